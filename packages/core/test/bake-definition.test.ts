// Bake definitions read through the real depot CLI's offline `bake --print`.
import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { definedNames, entryType, readDefinition, UserError } from '@depot-actions/core';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DEPOT = join(ROOT, 'node_modules', '@depot', 'cli-linux-x64', 'bin', 'depot');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'bake');
const env = { PATH: process.env.PATH, HOME: '/tmp' };

const read = (
  dir: string,
  extra: { files?: string[]; set?: string[]; targets?: string[]; vars?: Record<string, string> } = {},
) =>
  readDefinition({
    engine: DEPOT,
    cwd: join(FIXTURES, dir),
    files: extra.files ?? [],
    set: extra.set ?? [],
    targets: extra.targets ?? [],
    env: { ...env, ...extra.vars },
  });

describe('readDefinition', () => {
  test.each(['hcl', 'json'])(
    '%s: the default group, the shared base and per-target projects',
    async (dir) => {
      const def = await read(dir);
      expect(def.group?.default?.targets).toEqual(['app', 'worker']);
      expect(Object.keys(def.target).sort()).toEqual(['app', 'base', 'worker']);
      expect(def.target.app.contexts).toEqual({ base: 'target:base' });
      expect(def.target.app.tags).toEqual(['registry.example/app:dev']);
      expect(def.target.app.project_id).toBe('prj_app');
      expect(def.target.worker.project_id).toBeUndefined();
      expect((def.target.worker.attest ?? []).map(entryType)).toEqual(['provenance']);
    },
  );

  test('variables come from the environment (the vars input)', async () => {
    const def = await read('hcl', { vars: { TAG: 'v1.2.3' } });
    expect(def.target.worker.tags).toEqual(['registry.example/worker:v1.2.3']);
  });

  test('set overrides and a single target', async () => {
    const def = await read('hcl', { targets: ['app'], set: ['app.tags=registry.example/app:override'] });
    expect(def.target.app.tags).toEqual(['registry.example/app:override']);
    expect(def.target.worker).toBeUndefined();
  });

  test('Compose: x-bake tags and x-depot.project-id', async () => {
    const def = await read('compose');
    expect(def.group?.default?.targets).toEqual(['api', 'web']);
    expect(def.target.web.tags).toEqual(['registry.example/web:1', 'registry.example/web:latest']);
    expect(def.target.web.project_id).toBe('prj_compose');
  });

  test('an unknown target lists the defined targets and groups', async () => {
    const error = (await read('hcl', { targets: ['nope'] }).catch((e: unknown) => e)) as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe('Unknown bake target "nope".');
    expect(error.hint).toBe('Targets and groups defined here: app, base, default, worker.');
  });

  test('a broken file is reported with the CLI reason', async () => {
    await expect(read('hcl', { files: ['missing.hcl'] })).rejects.toThrow(
      /^Cannot read the bake definition: /,
    );
  });
});

describe('definedNames', () => {
  test.each([
    ['hcl', [], ['app', 'base', 'default', 'worker']],
    ['json', ['docker-bake.json'], ['app', 'base', 'default', 'worker']],
    ['compose', [], ['api', 'web']],
  ])('%s', (dir, files, names) => {
    expect(definedNames(files, join(FIXTURES, dir))).toEqual(names);
  });
});

describe('entryType', () => {
  test.each([
    [{ type: 'docker' }, 'docker'],
    ['type=registry,ref=a', 'registry'],
    ['./out', 'local'],
    [{ dest: './out' }, 'local'],
  ])('%o is %s', (entry, type) => expect(entryType(entry)).toBe(type));
});
