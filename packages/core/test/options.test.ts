import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildSchema,
  InputError,
  loadListParser,
  parseBoolean,
  parseInput,
  readOptions,
  UserError,
  validateBuildOptions,
} from '@depot-actions/core';

beforeAll(loadListParser);

const read = (inputs: Record<string, string>) => readOptions(buildSchema, (n) => inputs[n] ?? '');
const validate = async (inputs: Record<string, string>) => validateBuildOptions(await read(inputs));

describe('booleans (YAML 1.2 core)', () => {
  test.each(['true', 'True', 'TRUE'])('%s is true', (v) => expect(parseBoolean('push', v)).toBe(true));
  test.each(['false', 'False', 'FALSE'])('%s is false', (v) => expect(parseBoolean('push', v)).toBe(false));
  test('empty takes the default', () => expect(parseBoolean('push', '  ', true)).toBe(true));
  test.each(['yes', '1', 'on', 'tRue'])('%s is rejected with the input named', (v) => {
    expect(() => parseBoolean('push', v)).toThrow(
      `Invalid value for input "push": "${v}". Expected true or false (also True/TRUE/False/FALSE).`,
    );
  });
});

describe('validation fails before anything runs, in one line', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'options-test-'));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  // prettier-ignore
  const bad: [string, Record<string, string>, string][] = [
    ['malformed platform', { platforms: 'linux/amd64,arm64' }, 'Invalid value for input "platforms": "arm64". Expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8.'],
    ['platform with spaces', { platforms: 'linux / amd64' }, 'Invalid value for input "platforms": "linux / amd64".'],
    ['unknown lint-fail-on', { 'lint-fail-on': 'fatal' }, 'Invalid value for input "lint-fail-on": "fatal". Expected one of error, warn, info, none.'],
    ['unknown build-platform', { 'build-platform': 'linux/riscv64' }, 'Invalid value for input "build-platform": "linux/riscv64". Expected one of dynamic, linux/amd64, linux/arm64.'],
    ['build-arg without =', { 'build-args': 'A=1\nNOVALUE' }, 'Invalid value for input "build-args": "NOVALUE". Expected KEY=VALUE items, one per line.'],
    ['build-arg with an empty key', { 'build-args': '=x' }, 'Invalid value for input "build-args": "=x".'],
    ['secret without = hides the value', { secrets: 'ghp_bare_secret' }, 'Invalid value for input "secrets": (hidden, 15 characters). Expected KEY=VALUE items, one per line.'],
    ['secret-envs without =', { 'secret-envs': 'NPM' }, 'Invalid value for input "secret-envs": "NPM".'],
    ['build-context without =', { 'build-contexts': './src' }, 'Invalid value for input "build-contexts": "./src".'],
    ['save-tag without save', { 'save-tag': 'v1' }, 'Invalid value for input "save-tag": "v1". Expected only together with save: true.'],
    ['save-tags without save', { 'save-tags': 'v1,v2' }, 'Invalid value for input "save-tags": "v1,v2". Expected only together with save: true.'],
    ['unreadable secret file', { 'secret-files': 'KEY=/nonexistent/secret' }, 'Invalid value for input "secret-files": "KEY=/nonexistent/secret". Expected ID=PATH items naming a readable file.'],
    ['bad boolean', { push: 'yes' }, 'Invalid value for input "push": "yes".'],
    ['call check is not a depot build method', { call: 'check' }, 'Invalid value for input "call": "check". depot build supports only "build".'],
    ['unknown call', { call: 'lint' }, 'Invalid value for input "call": "lint". Expected one of build, check, outline, targets.'],
  ];

  test.each(bad)('%s', async (_title, inputs, message) => {
    const error = await validate(inputs).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });

  test('a multi-line value is shown on one line', async () => {
    const error = (await validate({ 'build-args': '"NO_EQUALS\nsecond line"' }).catch(
      (e: unknown) => e,
    )) as InputError;
    expect(error.message).toBe(
      'Invalid value for input "build-args": "NO_EQUALS\\nsecond line". Expected KEY=VALUE items, one per line.',
    );
  });

  test('a secret is never repeated in the error', async () => {
    const error = (await validate({ secrets: 'A=1\nsuper-secret-value' }).catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain('super-secret-value');
  });

  test('an unreadable secret file (permissions) is rejected', async () => {
    if (process.getuid?.() === 0) return; // root reads everything; covered by the nonexistent case
    const file = join(dir, 'locked');
    writeFileSync(file, 'x');
    chmodSync(file, 0o000);
    await expect(validate({ 'secret-files': `K=${file}` })).rejects.toThrow(/secret-files/);
  });

  test('a readable secret file passes', async () => {
    const file = join(dir, 'ok');
    writeFileSync(file, 'value');
    await expect(validate({ 'secret-files': `K=${file}` })).resolves.toEqual({ warnings: [] });
  });

  test('builder is accepted with a warning', async () => {
    expect((await validate({ builder: 'b1' })).warnings).toEqual([
      'Input "builder" (b1) is ignored: Depot chooses the builder for each build.',
    ]);
  });

  test('lint-fail-on without lint warns', async () => {
    expect((await validate({ 'lint-fail-on': 'warn' })).warnings[0]).toMatch(/no effect without lint: true/);
  });

  test('call build is accepted', async () => {
    await expect(validate({ call: 'build' })).resolves.toEqual({ warnings: [] });
  });
});

describe('list inputs handed over as items (Buildkite YAML lists)', () => {
  test('each item is one value: newlines and commas inside it are kept', async () => {
    const options = await readOptions(buildSchema, (name) =>
      name === 'secrets'
        ? ['KEY=-----BEGIN KEY-----\nabc\n-----END KEY-----', 'B=x,y']
        : name === 'tags'
          ? ['  registry.example/app:1  ', '', 'registry.example/app:2']
          : '',
    );
    expect(options.secrets).toEqual(['KEY=-----BEGIN KEY-----\nabc\n-----END KEY-----', 'B=x,y']);
    expect(options.tags).toEqual(['registry.example/app:1', 'registry.example/app:2']);
  });

  test('items for a text or boolean input are refused, naming the input', () => {
    expect(() => parseInput('push', buildSchema.push, ['true'])).toThrow('Invalid value for input "push"');
    expect(() => parseInput('target', buildSchema.target, ['a', 'b'])).toThrow('a single value, not a list');
  });
});
