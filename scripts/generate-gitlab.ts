// The GitLab CI/CD component from the option schemas: templates/<command>.yml, each a `spec: inputs`
// header (types, defaults, `options:` for fixed sets, descriptions), `---`, then one job that maps
// every input to a DEPOT_INPUT_* variable, runs the bundled entry with node, and keeps the report
// files as artifacts; plus the README's inputs tables. Deterministic: CI rebuilds and diffs it.
import { encodeBundle } from './encode-bundle';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scalar } from 'yaml';
import { inputVariable, OUTPUT_DIR_NAME } from '@depot-actions/gitlab';
import type { InputSpec } from '@depot-actions/core';
import {
  CI_COMMANDS,
  type CommandName,
  header,
  portable,
  replaceBlock,
  TOKEN_DESCRIPTION,
  yaml,
} from './ci-schemas';

export const COMPONENT_DIR = 'packages/gitlab-component';

/** The audience of the ID token the jobs request: what Depot's GitLab trust relationships expect. */
export const DEPOT_AUDIENCE = 'https://depot.dev';

/** GitLab refuses an input description over 1024 characters and an `options:` list over 50 values. */
const MAX_DESCRIPTION = 1024;
const MAX_OPTIONS = 50;

type Input = Record<string, unknown>;

/** The inputs that shape the job rather than the command: name, stage and image. */
function jobInputs(command: CommandName): Record<string, Input> {
  return {
    'job-name': {
      type: 'string',
      default: `depot-${command}`,
      description: 'Name of the job this component adds (include it twice with two names for two jobs).',
    },
    // pull reads the build job's dotenv report, which GitLab hands to the jobs of later stages.
    stage: {
      type: 'string',
      default: command === 'pull' ? 'test' : 'build',
      description: 'Stage of the job.',
    },
    image: {
      type: 'string',
      default: 'node:22-alpine',
      description: `Image the job runs in: it needs Node.js 20 or later (the entry point is a Node.js bundle), and the docker CLI ${command === 'pull' ? 'for docker commands in script' : 'only for the local-engine fallback'}.`,
    },
  };
}

/**
 * Descriptions that say something else on GitLab: the job builds the checkout by default, not a
 * Git URL, because the entry leaves the repository out of the context (see packages/gitlab).
 */
const GITLAB_DESCRIPTIONS: Record<string, string> = {
  context: 'Build context: a path or URL. Defaults to the checkout (CI_PROJECT_DIR).',
  'build-id':
    'Build to pull: a build ID, a saved tag, or <project>:<tag> (default: DEPOT_OUTPUT_BUILD_ID, which an earlier build or bake job passes on in its dotenv report).',
};

/** One input of the `spec:` header: the most specific GitLab type the schema allows. */
export function componentInput(name: string, spec: InputSpec): Input {
  if (spec.default?.includes('${{'))
    throw new Error(`${name}: a GitHub expression default cannot be a GitLab input default`);
  if (name === 'token')
    return {
      type: 'string',
      default: 'DEPOT_TOKEN',
      regex: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: TOKEN_DESCRIPTION,
    };
  if (spec.kind === 'boolean')
    return { type: 'boolean', default: spec.default === 'true', description: spec.description };
  if (spec.kind === 'text' && spec.integer) {
    if (!spec.default)
      throw new Error(`${name}: a number input needs a default (GitLab makes inputs without one mandatory)`);
    return { type: 'number', default: Number(spec.default), description: spec.description };
  }
  if (spec.kind === 'text' && spec.values) {
    // Without a default of its own, empty means "as the CLI decides", so it is one of the options.
    const options = spec.default ? [...spec.values] : ['', ...spec.values];
    if (options.length > MAX_OPTIONS) throw new Error(`${name}: more than ${MAX_OPTIONS} options`);
    return { type: 'string', default: spec.default ?? '', options, description: spec.description };
  }
  const list = spec.kind === 'list' ? ` (one per line${spec.style.comma ? ' or comma-separated' : ''})` : '';
  return {
    type: 'string',
    default: spec.default ?? '',
    description: GITLAB_DESCRIPTIONS[name] ?? `${spec.description}${list}.`.replace(/\.\.$/, '.'),
  };
}

/**
 * The commands whose job runs the user's own `script` after the step (which then runs as its
 * before_script): install puts depot on PATH for it, pull an image into the job's Docker, both of
 * which end with the job.
 */
export const OWN_SCRIPT: Partial<Record<CommandName, Input>> = {
  install: {
    type: 'array',
    default: ['depot --version'],
    description:
      'The job’s own commands, run with depot on PATH (the depot CLI finds DEPOT_TOKEN or the job’s DEPOT_OIDC_TOKEN by itself).',
  },
  pull: {
    type: 'array',
    default: ['docker image ls'],
    description:
      'The job’s own commands, run after the pull with the image in the job’s Docker engine (DOCKER_HOST, e.g. a docker:dind service; the image needs the docker CLI for docker commands).',
  },
};

/** The `spec: inputs` of one command: the job's own inputs, then the command's, in schema order. */
export function componentInputs(command: (typeof CI_COMMANDS)[number]): Record<string, Input> {
  const inputs: Record<string, Input> = jobInputs(command.name);
  const own = OWN_SCRIPT[command.name];
  if (own) inputs.script = own;
  const variables = new Set<string>();
  for (const [name, spec] of portable(command.schema)) {
    if (Object.hasOwn(inputs, name))
      throw new Error(`${command.name}: input ${name} collides with a job input`);
    if (variables.has(inputVariable(name)))
      throw new Error(`${command.name}: two inputs map to ${inputVariable(name)}`);
    variables.add(inputVariable(name));
    inputs[name] = componentInput(name, spec);
  }
  for (const [name, input] of Object.entries(inputs))
    if (String(input.description).length > MAX_DESCRIPTION)
      throw new Error(`${name}: description over ${MAX_DESCRIPTION} characters`);
  return inputs;
}

/** The report files of a command, relative to the checkout (artifact paths are). */
export const reportPaths = (command: string): { summary: string; outputs: string; dotenv: string } => ({
  summary: `${OUTPUT_DIR_NAME}/depot-${command}-summary.md`,
  outputs: `${OUTPUT_DIR_NAME}/depot-${command}-outputs.json`,
  dotenv: `${OUTPUT_DIR_NAME}/depot-${command}.env`,
});

/** A script of the component's scripts/ directory, as a YAML literal block (`|`) so it reads as written. */
function script(root: string, name: string): Scalar {
  const node = new Scalar(readFileSync(join(root, COMPONENT_DIR, 'scripts', name), 'utf8'));
  node.type = Scalar.BLOCK_LITERAL;
  return node;
}

/** The job of one template; `entry` is the encoded bundle. */
function componentJob(
  root: string,
  command: (typeof CI_COMMANDS)[number],
  entry: string,
): Record<string, unknown> {
  const variables: Record<string, string> = { DEPOT_COMPONENT_COMMAND: command.name };
  for (const [name] of portable(command.schema)) variables[inputVariable(name)] = `$[[ inputs.${name} ]]`;
  variables.DEPOT_COMPONENT_ENTRY = entry;
  const run = script(root, 'run.sh');
  const paths = reportPaths(command.name);
  return {
    stage: '$[[ inputs.stage ]]',
    image: '$[[ inputs.image ]]',
    id_tokens: { DEPOT_OIDC_TOKEN: { aud: DEPOT_AUDIENCE } },
    variables,
    ...(OWN_SCRIPT[command.name]
      ? { before_script: [run], script: '$[[ inputs.script ]]' }
      : { script: [run] }),
    after_script: [script(root, 'cleanup.sh')],
    artifacts: {
      when: 'always',
      expose_as: `depot ${command.name} summary`,
      paths: [paths.summary, paths.outputs],
      reports: { dotenv: paths.dotenv },
    },
  };
}

/** One template: the `spec:` document, `---`, the job document. */
export function componentTemplate(
  root: string,
  command: (typeof CI_COMMANDS)[number],
  entry: string,
): string {
  const spec = yaml({ spec: { inputs: componentInputs(command) } });
  const job = yaml({ '$[[ inputs.job-name ]]': componentJob(root, command, entry) });
  return `${header('the option schemas')}${spec}---\n${job}`;
}

/** The README's inputs table of one template. */
function inputsTable(command: (typeof CI_COMMANDS)[number]): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = Object.entries(componentInputs(command)).map(([name, input]) => {
    const type = input.options
      ? `one of ${(input.options as string[]).map((v) => (v ? `\`${v}\`` : 'empty')).join(', ')}`
      : String(input.type);
    const def = JSON.stringify(input.default);
    const shown = def === '""' ? '' : `\`${typeof input.default === 'string' ? input.default : def}\``;
    return `| \`${name}\` | ${type} | ${shown} | ${cell(String(input.description))} |`;
  });
  return ['| Input | Type | Default | Description |', '|---|---|---|---|', ...rows].join('\n');
}

/** The bundle as brotli+base64 on one line. */
const encodeEntry = (bundleDir: string): string => encodeBundle(bundleDir, 'GitLab');

/** Writes the templates and the README tables (the templates only once dist/gitlab exists). */
export function generateComponent(root: string): void {
  const dir = join(root, COMPONENT_DIR);
  const bundle = join(root, 'dist', 'gitlab');
  if (existsSync(join(bundle, 'index.js'))) {
    const entry = encodeEntry(bundle);
    for (const command of CI_COMMANDS)
      writeFileSync(join(dir, 'templates', `${command.name}.yml`), componentTemplate(root, command, entry));
  }
  const readmePath = join(dir, 'README.md');
  let readme = readFileSync(readmePath, 'utf8');
  for (const command of CI_COMMANDS)
    readme = replaceBlock(readme, `${command.name}-inputs`, inputsTable(command), readmePath);
  writeFileSync(readmePath, readme);
}
