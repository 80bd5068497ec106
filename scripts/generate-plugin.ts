// The Buildkite plugins from the option schemas: `depot` (build, bake, pull: a command hook) and
// `depot-install` (install: an environment hook only, so it composes with the docker plugins and
// --strict-single-hooks). plugin.yml states exactly what the entry point accepts; the READMEs get
// their options tables; the depot plugin carries the bundle (the install plugin links to it).
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { InputSpec } from '@depot-actions/core';
import {
  CI_COMMANDS,
  header,
  optionsTable,
  portable,
  replaceBlock,
  TOKEN_DESCRIPTION,
  yaml,
} from './ci-schemas';

export const PLUGIN_DIRS = {
  depot: 'packages/buildkite-plugin',
  'depot-install': 'packages/buildkite-install-plugin',
};
type PluginName = keyof typeof PLUGIN_DIRS;

/** The commands each plugin runs. */
const PLUGIN_COMMANDS: Record<PluginName, string[]> = {
  depot: ['build', 'bake', 'pull'],
  'depot-install': ['install'],
};

const COMMAND_PROPERTY = {
  type: 'string',
  enum: ['build', 'bake', 'pull'],
  default: 'build',
  description:
    'What the plugin does: build (depot build), bake (depot bake) or pull (depot pull of a saved build). To install the CLI only, use the depot-install plugin.',
};

/**
 * Descriptions that say something else on Buildkite: build meta-data is shared by the whole build,
 * so pull does not guess the earlier build (see packages/buildkite/src/run.ts).
 */
const PLUGIN_DESCRIPTIONS: Record<string, string> = {
  'build-id': 'Build to pull: a build ID, a saved tag (with project), or <project>:<tag>; required',
};

/** A pattern that matches exactly these values, in any case (JSON schema has no case-insensitive enum). */
const anyCase = (values: readonly string[]): string =>
  `^(${values.map((v) => v.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`)).join('|')})$`;

/** One option's JSON schema: the same rules the entry point applies (packages/buildkite/src/config.ts). */
function property(name: string, spec: InputSpec, where: string): Record<string, unknown> {
  const description = `${name === 'token' ? TOKEN_DESCRIPTION : (PLUGIN_DESCRIPTIONS[name] ?? spec.description)}${where}`;
  if (name === 'token') return { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description };
  switch (spec.kind) {
    case 'boolean':
      return { type: 'boolean', default: spec.default === 'true', description };
    case 'list':
      return { type: ['string', 'array'], items: { type: 'string' }, description };
    case 'text':
      if (spec.integer)
        return {
          type: ['integer', 'string'],
          minimum: 1,
          pattern: '^[1-9][0-9]*$',
          default: Number(spec.default),
          description,
        };
      if (spec.values && spec.ignoreCase)
        return {
          type: 'string',
          pattern: anyCase(spec.values),
          ...(spec.default ? { default: spec.default } : {}),
          description: `${description} (one of ${spec.values.join(', ')}, any case)`,
        };
      if (spec.values)
        return {
          type: 'string',
          enum: [...spec.values],
          ...(spec.default ? { default: spec.default } : {}),
          description,
        };
      return {
        type: spec.booleanText ? ['string', 'boolean'] : 'string',
        ...(spec.default ? { default: spec.default } : {}),
        description,
      };
  }
}

/** Every option of a plugin's commands; an option two commands share must mean the same kind. */
function pluginOptions(plugin: PluginName): Map<string, { spec: InputSpec; commands: string[] }> {
  const seen = new Map<string, { spec: InputSpec; commands: string[] }>();
  for (const command of CI_COMMANDS.filter((c) => PLUGIN_COMMANDS[plugin].includes(c.name))) {
    for (const [name, spec] of portable(command.schema)) {
      const entry = seen.get(name);
      if (!entry) seen.set(name, { spec, commands: [command.name] });
      else if (entry.spec.kind !== spec.kind)
        throw new Error(`option ${name} is a ${entry.spec.kind} and a ${spec.kind}`);
      else entry.commands.push(command.name);
    }
  }
  return new Map([...seen].sort(([a], [b]) => a.localeCompare(b)));
}

/** plugin.yml: a strict schema; for depot, each command accepts only its own options. */
export function pluginSchema(plugin: PluginName = 'depot'): Record<string, unknown> {
  const options = pluginOptions(plugin);
  const commands = PLUGIN_COMMANDS[plugin];
  const properties: Record<string, unknown> = plugin === 'depot' ? { command: COMMAND_PROPERTY } : {};
  for (const [name, { spec, commands: uses }] of options)
    properties[name] = property(name, spec, uses.length === commands.length ? '' : ` (${uses.join(', ')})`);
  const only = (command: string): string[] => [
    'command',
    ...[...options].filter(([, o]) => o.commands.includes(command)).map(([name]) => name),
  ];
  const configuration: Record<string, unknown> = { type: 'object', properties, additionalProperties: false };
  if (plugin === 'depot') {
    // bake, else pull, else build (the default when command is absent): only that command's options.
    const command = (name: string): Record<string, unknown> => ({
      properties: { command: { const: name } },
      required: ['command'],
    });
    configuration.if = command('bake');
    configuration.then = { propertyNames: { enum: only('bake') } };
    configuration.else = {
      if: command('pull'),
      then: { propertyNames: { enum: only('pull') } },
      else: { propertyNames: { enum: only('build') } },
    };
  }
  return {
    name: plugin === 'depot' ? 'Depot' : 'Depot Install',
    description:
      plugin === 'depot'
        ? 'Build container images with Depot: finds credentials (OIDC), runs depot build, depot bake or depot pull, and reports'
        : 'Installs the depot CLI (verified, cached) and puts it on PATH for the step’s own command',
    author: 'https://github.com/depot-actions',
    requirements: ['node'],
    configuration,
  };
}

/** The README's options table of a plugin. */
function optionsReadme(plugin: PluginName): string {
  const schema = pluginSchema(plugin).configuration as {
    properties: Record<string, Record<string, unknown>>;
  };
  const rows = Object.entries(schema.properties).map(([name, p]) => {
    const type = p.enum
      ? `one of ${(p.enum as string[]).map((v) => `\`${v}\``).join(', ')}`
      : [p.type].flat().join(' or ');
    return {
      name,
      type,
      default: p.default === undefined ? '' : String(p.default),
      description: String(p.description),
    };
  });
  return optionsTable(rows, false);
}

/** Writes both plugins' plugin.yml and README tables, and the depot plugin's copy of the bundle. */
export function generatePlugins(root: string): void {
  for (const plugin of Object.keys(PLUGIN_DIRS) as PluginName[]) {
    const dir = join(root, PLUGIN_DIRS[plugin]);
    writeFileSync(join(dir, 'plugin.yml'), header('the option schemas') + yaml(pluginSchema(plugin)));
    const readmePath = join(dir, 'README.md');
    writeFileSync(
      readmePath,
      replaceBlock(readFileSync(readmePath, 'utf8'), 'options', optionsReadme(plugin), readmePath),
    );
  }
  // The plugins are publishable as their own repositories, so they carry the bundle.
  // index.js, the chunks it loads lazily, and package.json, which marks them all as CommonJS.
  const bundle = join(root, 'dist', 'buildkite');
  if (existsSync(join(bundle, 'index.js'))) {
    const dist = join(root, PLUGIN_DIRS.depot, 'dist');
    rmSync(dist, { recursive: true, force: true });
    mkdirSync(dist, { recursive: true });
    for (const file of readdirSync(bundle)) copyFileSync(join(bundle, file), join(dist, file));
  }
}
