// The Buildkite plugin: plugin.yml compiles as a strict JSON schema, every README example validates
// against it, the options are the schema inputs; plus the plugin's bats suite and shellcheck.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { bakeSchema, buildSchema, setupSchema } from '@depot-actions/core';
import { PLUGIN_DIR } from './ci-entry/helpers';
import { runTool, shellTest } from './ci-entry/shell-tools';
import { pluginSchema } from '../scripts/generate-ci';

type Map = Record<string, unknown>;
const plugin = parse(readFileSync(join(PLUGIN_DIR, 'plugin.yml'), 'utf8')) as Map;
const configuration = plugin.configuration as Map;
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(configuration);

/** The plugin blocks of the README's YAML examples that use this plugin. */
function readmeExamples(): Map[] {
  const readme = readFileSync(join(PLUGIN_DIR, 'README.md'), 'utf8');
  const configs: Map[] = [];
  for (const [, block] of readme.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    const doc = parse(block) as { steps: { plugins?: Map[] }[] };
    for (const step of doc.steps) {
      for (const entry of step.plugins ?? []) {
        for (const [name, config] of Object.entries(entry))
          if (/depot#v/.test(name)) configs.push((config ?? {}) as Map);
      }
    }
  }
  return configs;
}

describe('plugin.yml', () => {
  test('is the generated schema, with every top-level key the linter requires', () => {
    expect(plugin).toEqual(pluginSchema());
    for (const key of ['name', 'description', 'author', 'requirements', 'configuration'])
      expect(plugin).toHaveProperty(key);
    expect(configuration.additionalProperties).toBe(false);
  });

  test('offers every input of build, bake and install (not GitHub-only ones) and command', () => {
    const names = new Set(['command']);
    for (const schema of [buildSchema, bakeSchema, setupSchema]) {
      for (const [name, spec] of Object.entries(schema)) if (!spec.githubOnly) names.add(name);
    }
    expect(Object.keys(configuration.properties as Map).sort()).toEqual([...names].sort());
  });

  test('accepts YAML lists and strings for lists, rejects unknown options and bad types', () => {
    expect(validate({ tags: ['a', 'b'], 'build-args': 'A=1\nB=2', push: true })).toBe(true);
    expect(validate({ command: 'deploy' })).toBe(false);
    expect(validate({ taggs: 'x' })).toBe(false);
    expect(validate({ push: 'yes' })).toBe(false);
    expect(validate({ token: 'not a name' })).toBe(false);
  });

  test('every README example validates', () => {
    const examples = readmeExamples();
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const example of examples) {
      if (!validate(example))
        throw new Error(`${JSON.stringify(example)}: ${JSON.stringify(validate.errors)}`);
    }
  });

  test('carries its own bundle, identical to dist/buildkite', () => {
    expect(readFileSync(join(PLUGIN_DIR, 'dist', 'index.js'))).toEqual(
      readFileSync(join(PLUGIN_DIR, '..', '..', 'dist', 'buildkite', 'index.js')),
    );
  });
});

describe('plugin shell scripts', () => {
  shellTest('bats suite passes', () => {
    const r = runTool('bats', ['tests'], PLUGIN_DIR);
    if (r.status !== 0) throw new Error(r.output);
  });
  shellTest('shellcheck is clean', () => {
    const r = runTool(
      'shellcheck',
      [
        '-x',
        'hooks/command',
        'hooks/pre-command',
        'lib/plugin.bash',
        'tests/helpers.bash',
        'tests/command.bats',
        'tests/pre-command.bats',
      ],
      PLUGIN_DIR,
    );
    if (r.status !== 0) throw new Error(r.output);
  });
});
