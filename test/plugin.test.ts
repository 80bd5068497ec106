// The Buildkite plugins (depot, depot-install): plugin.yml is the generated strict schema and
// accepts exactly what the plugin accepts, checked in both directions over a corpus of
// configurations as the agent hands them over; README examples validate; bats and shellcheck.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { BuildkiteAdapter, pluginFor } from '@depot-actions/buildkite';
import { COMMANDS, isCommand } from '@depot-actions/ci-entry';
import { bakeSchema, buildSchema, pullSchema, setupSchema, type Schema } from '@depot-actions/core';
import { agentPluginEnv } from './ci-entry/buildkite-agent';
import { DEPOT_PLUGIN, INSTALL_PLUGIN, INSTALL_PLUGIN_DIR, type Json } from './ci-entry/buildkite-job';
import { PLUGIN_DIR } from './ci-entry/helpers';
import { runTool, shellTest } from './ci-entry/shell-tools';
import { pluginSchema } from '../scripts/generate-ci';

type Map = Record<string, unknown>;
const PLUGINS = [
  {
    name: 'depot',
    dir: PLUGIN_DIR,
    location: DEPOT_PLUGIN,
    schemas: [buildSchema, bakeSchema, pullSchema],
  },
  { name: 'depot-install', dir: INSTALL_PLUGIN_DIR, location: INSTALL_PLUGIN, schemas: [setupSchema] },
] as const;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const load = (dir: string): Map => parse(readFileSync(join(dir, 'plugin.yml'), 'utf8')) as Map;
const validators = Object.fromEntries(
  PLUGINS.map((p) => [p.name, ajv.compile((load(p.dir).configuration ?? {}) as Map)]),
);

/**
 * Whether the plugin accepts a configuration, as a job would see it: the agent's variables for
 * it (a null drops them all), the command hook's check of `command`, then the entry's own check.
 */
function pluginAccepts(plugin: (typeof PLUGINS)[number], config: Record<string, Json>): boolean {
  const command = plugin.name === 'depot-install' ? 'install' : (config.command ?? 'build');
  if (typeof command !== 'string' || !isCommand(command) || pluginFor(command) !== plugin.name) return false;
  try {
    const env = { ...agentPluginEnv(plugin.location, config), PATH: '' };
    new BuildkiteAdapter({
      env,
      command,
      schema: COMMANDS[command],
      plugin: plugin.name,
    }).checkConfiguration();
    return true;
  } catch {
    return false;
  }
}

/** Values of every JSON kind, the edge cases of each option type included. */
const SAMPLES: Json[] = [
  '',
  'x',
  'a\nb',
  '60',
  '0',
  '-1',
  '1.5',
  'true',
  0,
  1,
  60,
  -3,
  1.5,
  true,
  false,
  null,
];
const EXTRA: Json[] = [
  [],
  ['a', 'b'],
  ['line\nbreak'],
  ['a', 1],
  ['a', null],
  [['a']],
  { key: 'v' },
  { key: null },
];

function corpus(plugin: (typeof PLUGINS)[number]): Record<string, Json>[] {
  const configs: Record<string, Json>[] = [{}, { unknown: 'x' }];
  const commands: (string | undefined)[] =
    plugin.name === 'depot' ? [undefined, 'build', 'bake', 'pull', 'install', 'deploy'] : [undefined];
  const names = new Set<string>();
  for (const schema of plugin.schemas as readonly Schema[])
    for (const [name, spec] of Object.entries(schema)) if (!spec.githubOnly) names.add(name);
  for (const command of commands) {
    const base: Record<string, Json> = command === undefined ? {} : { command };
    configs.push({ ...base });
    for (const name of names) {
      const enumValues = [...(plugin.schemas as readonly Schema[])].flatMap((s) => {
        const spec = s[name];
        return spec?.kind === 'text' && spec.values ? [...spec.values] : [];
      });
      for (const value of [
        ...SAMPLES,
        ...EXTRA,
        ...enumValues,
        ...enumValues.map((v) => v.toUpperCase()),
        'DEPOT_TOKEN',
        'MY_TOKEN',
        'not a name',
      ])
        configs.push({ ...base, [name]: value });
    }
  }
  return configs;
}

describe.each(PLUGINS)('$name plugin.yml', (plugin) => {
  const yml = load(plugin.dir);
  const validate = validators[plugin.name];

  test('is the generated schema, with every top-level key the linter requires', () => {
    expect(yml).toEqual(pluginSchema(plugin.name));
    for (const key of ['name', 'description', 'author', 'requirements', 'configuration'])
      expect(yml).toHaveProperty(key);
    expect((yml.configuration as Map).additionalProperties).toBe(false);
  });

  test('accepts exactly what the plugin accepts, in both directions', () => {
    const configs = corpus(plugin);
    expect(configs.length).toBeGreaterThan(100);
    const disagree = configs.filter((c) => validate(c) !== pluginAccepts(plugin, c));
    const accepted = configs.filter((c) => pluginAccepts(plugin, c)).length;
    expect(accepted).toBeGreaterThan(20);
    expect(configs.length - accepted).toBeGreaterThan(20);
    expect(disagree.map((c) => `${JSON.stringify(c)}: schema ${validate(c)}`)).toEqual([]);
  });

  test('every README example validates and names this plugin', () => {
    const readme = readFileSync(join(plugin.dir, 'README.md'), 'utf8');
    const configs: Map[] = [];
    for (const [, block] of readme.matchAll(/```yaml\n([\s\S]*?)```/g)) {
      const doc = parse(block) as { steps: { plugins?: Map[] }[] };
      for (const step of doc.steps)
        for (const entry of step.plugins ?? [])
          for (const [location, config] of Object.entries(entry))
            if (location.replace(/#.*/, '') === plugin.location.replace(/#.*/, ''))
              configs.push((config ?? {}) as Map);
    }
    expect(configs.length).toBeGreaterThanOrEqual(1);
    for (const config of configs)
      if (!validate(config)) throw new Error(`${JSON.stringify(config)}: ${JSON.stringify(validate.errors)}`);
  });
});

describe('depot plugin', () => {
  test('fallback-timeout: 60 as a number and as a string (both ways)', () => {
    const [depot] = PLUGINS;
    for (const value of [60, '60']) {
      expect(validators.depot({ 'fallback-timeout': value })).toBe(true);
      expect(pluginAccepts(depot, { 'fallback-timeout': value })).toBe(true);
    }
  });

  test('carries its own bundle, identical to dist/buildkite; the install plugin links to it', () => {
    const bundle = readFileSync(join(PLUGIN_DIR, '..', '..', 'dist', 'buildkite', 'index.js'));
    expect(readFileSync(join(PLUGIN_DIR, 'dist', 'index.js'))).toEqual(bundle);
    expect(readFileSync(join(INSTALL_PLUGIN_DIR, 'dist', 'index.js'))).toEqual(bundle);
  });
});

describe('plugin shell scripts', () => {
  for (const plugin of PLUGINS) {
    shellTest(`${plugin.name}: bats suite passes`, () => {
      const r = runTool('bats', ['tests'], plugin.dir);
      if (r.status !== 0) throw new Error(r.output);
    });
  }
  shellTest('shellcheck is clean', () => {
    const depot = [
      'hooks/command',
      'hooks/environment',
      'hooks/pre-exit',
      'lib/plugin.bash',
      'tests/helpers.bash',
    ];
    const r = runTool(
      'shellcheck',
      ['-x', ...depot, 'tests/command.bats', 'tests/lifecycle.bats'],
      PLUGIN_DIR,
    );
    if (r.status !== 0) throw new Error(r.output);
    const install = runTool(
      'shellcheck',
      ['-x', 'hooks/environment', 'hooks/pre-exit', 'tests/environment.bats'],
      INSTALL_PLUGIN_DIR,
    );
    if (install.status !== 0) throw new Error(install.output);
  });
});
