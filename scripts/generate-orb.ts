// The CircleCI orb from the option schemas: commands and the build job with snake_case parameters
// (orb-tools review, RC010), `enum` and `integer` parameters where the schema fixes the values, a
// cleanup step that runs `when: always`, the packed orb, and the README's parameter tables.
import { encodeBundle, INLINE_BUNDLE_BUDGET } from './encode-bundle';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { orbParameter as orbName, paramVariable } from '@depot-actions/circleci';
import { buildSchema, type InputSpec } from '@depot-actions/core';
import {
  CI_COMMANDS,
  header,
  optionsTable,
  portable,
  replaceBlock,
  TOKEN_DESCRIPTION,
  yaml,
} from './ci-schemas';

const ORB_DIR = 'packages/circleci-orb';
/** The bundle's brotli+base64 file inside the orb source, included into each command at pack time. */
const ORB_ENTRY = 'scripts/entry.js.br.b64';
/** The limit on the encoded bundle in DEPOT_ORB_ENTRY (each line adds a newline to it). */
export const ORB_ENTRY_BUDGET = INLINE_BUNDLE_BUDGET;

/** Descriptions that say something else in the orb: where pull finds the earlier build. */
const ORB_DESCRIPTIONS: Record<string, string> = {
  'build-id':
    'Build to pull: a build ID, a saved tag, or <project>:<tag> (default: DEPOT_OUTPUT_BUILD_ID, which an earlier depot/build or depot/bake step of the job exports).',
};

/** One orb parameter: the most specific CircleCI type the schema allows, so a typo fails at config time. */
export function orbParameter(name: string, spec: InputSpec): Record<string, unknown> {
  if (name === 'token')
    return { type: 'env_var_name', default: 'DEPOT_TOKEN', description: TOKEN_DESCRIPTION };
  if (spec.kind === 'boolean')
    return { type: 'boolean', default: spec.default === 'true', description: spec.description };
  if (spec.kind === 'text' && spec.integer)
    return { type: 'integer', default: Number(spec.default), description: spec.description };
  if (spec.kind === 'text' && spec.values) {
    // Without a default of its own, empty means "as the CLI decides", so it is one of the values.
    const values = spec.default ? [...spec.values] : ['', ...spec.values];
    return { type: 'enum', enum: values, default: spec.default ?? '', description: spec.description };
  }
  const list = spec.kind === 'list' ? ` (one per line${spec.style.comma ? ' or comma-separated' : ''})` : '';
  return {
    type: 'string',
    default: spec.default ?? '',
    description: ORB_DESCRIPTIONS[name] ?? `${spec.description}${list}.`.replace(/\.\.$/, '.'),
  };
}

function checkUnique(command: string, inputs: [string, InputSpec][]): void {
  const variables = new Set(inputs.map(([name]) => paramVariable(name)));
  if (variables.size !== inputs.length)
    throw new Error(`${command}: two inputs map to the same orb parameter`);
}

/** The step that removes the private directories of the orb's steps, even after a failure or cancel. */
const CLEANUP_STEP = {
  run: { name: 'depot cleanup', when: 'always', command: '<<include(scripts/cleanup.sh)>>' },
};

function orbCommand(command: (typeof CI_COMMANDS)[number]): Record<string, unknown> {
  const inputs = portable(command.schema);
  checkUnique(command.name, inputs);
  const environment: Record<string, string> = {
    DEPOT_ORB_COMMAND: command.name,
    DEPOT_ORB_ENTRY: `<<include(${ORB_ENTRY})>>`,
  };
  for (const [name] of inputs) environment[paramVariable(name)] = `<< parameters.${orbName(name)} >>`;
  return {
    description: command.description,
    parameters: Object.fromEntries(inputs.map(([name, spec]) => [orbName(name), orbParameter(name, spec)])),
    steps: [
      { run: { name: `depot ${command.name}`, environment, command: '<<include(scripts/run.sh)>>' } },
      CLEANUP_STEP,
    ],
  };
}

function orbBuildJob(): Record<string, unknown> {
  const inputs = portable(buildSchema);
  return {
    description:
      'Check out the project and build it with Depot (the build command), then store the outputs and summary (/tmp/depot) as artifacts.',
    executor: '<< parameters.executor >>',
    parameters: {
      executor: {
        type: 'executor',
        default: 'default',
        description: 'Executor to run on; needs Node.js 20 or later.',
      },
      ...Object.fromEntries(inputs.map(([name, spec]) => [orbName(name), orbParameter(name, spec)])),
    },
    steps: [
      'checkout',
      {
        build: Object.fromEntries(
          inputs.map(([name]) => [orbName(name), `<< parameters.${orbName(name)} >>`]),
        ),
      },
      { store_artifacts: { path: '/tmp/depot', destination: 'depot' } },
    ],
  };
}

const INCLUDE = /^<<\s*include\(([^)]+)\)\s*>>$/;

/** Replaces every `<<include(file)>>` value with the file's text, as `circleci orb pack` does. */
function resolveIncludes(value: unknown, srcDir: string): unknown {
  if (typeof value === 'string') {
    const match = INCLUDE.exec(value.trim());
    return match ? readFileSync(join(srcDir, match[1]), 'utf8') : value;
  }
  if (Array.isArray(value)) return value.map((v) => resolveIncludes(v, srcDir));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveIncludes(v, srcDir)]));
  return value;
}

/** Packs src/ into one orb: @orb.yml, then commands, executors, jobs and examples by file name. */
export function packOrb(srcDir: string): string {
  const orb = parse(readFileSync(join(srcDir, '@orb.yml'), 'utf8')) as Record<string, unknown>;
  for (const kind of ['commands', 'executors', 'jobs', 'examples']) {
    const dir = join(srcDir, kind);
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    if (!files.length) continue;
    orb[kind] = Object.fromEntries(
      files.map((f) => [f.replace(/\.ya?ml$/, ''), parse(readFileSync(join(dir, f), 'utf8')) as unknown]),
    );
  }
  return (
    '# Packed by `npm run build` (scripts/generate-ci.ts) from packages/circleci-orb/src.\n' +
    yaml(resolveIncludes(orb, srcDir))
  );
}

/** The bundle as brotli+base64, wrapped at 76 columns. */
function encodeEntry(bundleDir: string): string {
  return encodeBundle(bundleDir, 'CircleCI').replace(/.{1,76}/g, '$&\n');
}

export { orbName };

/** The README's parameter table of one command: orb parameter → action input. */
function parameterTable(command: (typeof CI_COMMANDS)[number]): string {
  const rows = portable(command.schema).map(([name, spec]) => {
    const p = orbParameter(name, spec);
    const type =
      p.type === 'enum' ? `enum: ${(p.enum as string[]).map((v) => `\`${v}\``).join(' ')}` : String(p.type);
    return {
      name: orbName(name),
      input: name,
      type,
      default: String(p.default ?? ''),
      description: String(p.description),
    };
  });
  return optionsTable(rows, true);
}

/** Writes the orb's generated commands and job, the packed orb and the README tables under `root`. */
export function generateOrb(root: string): void {
  const src = join(root, ORB_DIR, 'src');
  mkdirSync(join(src, 'commands'), { recursive: true });
  mkdirSync(join(src, 'jobs'), { recursive: true });
  for (const command of CI_COMMANDS)
    writeFileSync(
      join(src, 'commands', `${command.name}.yml`),
      header(`the ${command.name} schema`) + yaml(orbCommand(command)),
    );
  writeFileSync(join(src, 'jobs', 'build.yml'), header('the build schema') + yaml(orbBuildJob()));
  const bundle = join(root, 'dist', 'circleci');
  if (existsSync(join(bundle, 'index.js'))) writeFileSync(join(src, ORB_ENTRY), encodeEntry(bundle));
  mkdirSync(join(root, 'dist', 'circleci-orb'), { recursive: true });
  writeFileSync(join(root, 'dist', 'circleci-orb', 'orb.yml'), packOrb(src));
  const readmePath = join(root, ORB_DIR, 'README.md');
  let readme = readFileSync(readmePath, 'utf8');
  for (const command of CI_COMMANDS)
    readme = replaceBlock(readme, `orb-${command.name}`, parameterTable(command), readmePath);
  writeFileSync(readmePath, readme);
}
