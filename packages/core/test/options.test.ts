import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bakeSchema,
  buildSchema,
  InputError,
  loadListParser,
  parseBoolean,
  parseInput,
  readOptions,
  UserError,
  validateBakeOptions,
  validateBuildOptions,
} from '@depot-actions/core';
import { fallbackSeconds } from '../src/steps/engine-step';

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
    ['malformed platform', { platforms: 'linux/amd64,arm64/v8/x/y' }, 'Invalid value for input "platforms": "arm64/v8/x/y". Expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8.'],
    ['a lone platform word the CLI does not know', { platforms: 'foo' }, 'Invalid value for input "platforms": "foo".'],
    ['a platform with a character the CLI refuses', { platforms: 'linux/arm64/v8.2' }, 'Invalid value for input "platforms": "linux/arm64/v8.2".'],
    ['platform with spaces', { platforms: 'linux / amd64' }, 'Invalid value for input "platforms": "linux / amd64".'],
    ['unknown build-platform', { 'build-platform': 'linux/riscv64' }, 'Invalid value for input "build-platform": "linux/riscv64". Expected one of dynamic, linux/amd64, linux/arm64.'],
    ['build-arg with an empty key', { 'build-args': '=x' }, 'Invalid value for input "build-args": "=x".'],
    ['secret without = hides the value', { secrets: 'ghp_bare_secret' }, 'Invalid value for input "secrets": (hidden, 15 characters). Expected KEY=VALUE items, one per line.'],
    ['secret-envs without =', { 'secret-envs': 'NPM' }, 'Invalid value for input "secret-envs": "NPM".'],
    ['build-context without =', { 'build-contexts': './src' }, 'Invalid value for input "build-contexts": "./src".'],
    ['unreadable secret file', { 'secret-files': 'KEY=/nonexistent/secret' }, 'Invalid value for input "secret-files": "KEY=/nonexistent/secret". Expected ID=PATH items naming a readable file.'],
    ['a list with a quote left open', { tags: '"a/b:1' }, 'Invalid value for input "tags": "\\"a/b:1". Expected a list whose "quotes" are closed (Quote Not Closed'],
    ['a secret with a quote left open hides it', { secrets: '"K=abc' }, 'Invalid value for input "secrets": (hidden, 6 characters). Expected a list whose "quotes" are closed'],
    ['provenance with a quote left open', { provenance: '"mode=max' }, 'Invalid value for input "provenance": "\\"mode=max". Expected true, false, or attributes'],
    ['a cache-to field with a quote left open', { 'cache-to': 'type=registry,"ref=x' }, 'Invalid value for input "cache-to": "type=registry,\\"ref=x". Expected a list whose "quotes" are closed'],
    ['an output field with a quote left open (outputs keep quotes for buildx)', { outputs: 'type=local,"dest=x' }, 'Invalid value for input "outputs": "type=local,\\"dest=x". Expected a directory, or type='],
    ['unknown lint-fail-on', { 'lint-fail-on': 'fatal' }, 'Invalid value for input "lint-fail-on": "fatal". Expected one of error, warn, warning, info, none.'],
    ['build-arg name with a space', { 'build-args': 'A=1\nNO VALUE' }, 'Invalid value for input "build-args": "NO VALUE". Expected KEY=VALUE or NAME items, one per line.'],
    ['empty secret value', { secrets: 'NPM_TOKEN=' }, 'Invalid value for input "secrets": "NPM_TOKEN=". Expected ID=VALUE items with a non-empty value.'],
    ['empty secret-envs name', { 'secret-envs': 'NPM=' }, 'Invalid value for input "secret-envs": "NPM=". Expected ID=ENVNAME items naming an environment variable.'],
    ['secret-envs naming an unset variable', { 'secret-envs': 'NPM=UNSET_SECRET_VAR' }, 'Invalid value for input "secret-envs": "NPM=UNSET_SECRET_VAR". Expected ID=ENVNAME items naming a set variable (UNSET_SECRET_VAR is empty or not set).'],
    ['add-hosts without an IP', { 'add-hosts': 'docker:10.180.0.1,db' }, 'Invalid value for input "add-hosts": "db". Expected host:ip items'],
    ['add-hosts with a bad IP', { 'add-hosts': 'db:10.0.0.300' }, 'Invalid value for input "add-hosts": "db:10.0.0.300".'],
    ['unknown entitlement', { allow: 'network.host,network.hosts' }, 'Invalid value for input "allow": "network.hosts". Expected network.host, security.insecure or device[=name].'],
    ['attests without a type', { attests: 'generator=image' }, 'Invalid value for input "attests": "generator=image". Expected type=sbom or type=provenance'],
    ['attests of an unknown type', { attests: 'type=sig' }, 'Invalid value for input "attests": "type=sig".'],
    ['cache-from of an unknown type', { 'cache-from': 'type=registy,ref=a/b' }, 'Invalid value for input "cache-from": "type=registy,ref=a/b". Expected an image reference, or type=registry|local|inline|gha|s3|azblob'],
    ['cache-to without a type', { 'cache-to': 'ref=a/b:cache' }, 'Invalid value for input "cache-to": "ref=a/b:cache".'],
    ['cache-to as a bare ref', { 'cache-to': 'a/b:cache' }, 'Invalid value for input "cache-to": "a/b:cache".'],
    ['context that does not exist', { context: './no-such-dir' }, 'Invalid value for input "context": "./no-such-dir". Expected an existing directory'],
    ['network not known to buildx', { network: 'bridge' }, 'Invalid value for input "network": "bridge". Expected one of default, none, host.'],
    ['outputs of an unknown type', { outputs: 'type=imgae,push=true' }, 'Invalid value for input "outputs": "type=imgae,push=true". Expected a directory, or type=local|tar|oci|docker|image|registry|cacheonly'],
    ['outputs field without a value', { outputs: 'type=local,dest' }, 'Invalid value for input "outputs": "type=local,dest".'],
    ['provenance mode not min or max', { provenance: 'mode=full' }, 'Invalid value for input "provenance": "mode=full". Expected true, false, or attributes such as mode=max'],
    ['provenance as a Go-only boolean', { provenance: '1' }, 'Invalid value for input "provenance": "1".'],
    ['sbom that is neither', { sbom: 'yes' }, 'Invalid value for input "sbom": "yes". Expected true, false, or attributes such as generator=image.'],
    ['shm-size without a number', { 'shm-size': 'big' }, 'Invalid value for input "shm-size": "big". Expected a size such as 64m, 2g or 1024 (bytes).'],
    ['ssh with an empty path', { ssh: 'github=' }, 'Invalid value for input "ssh": "github=". Expected default, or id=path[,path] items.'],
    ['ssh id with a space', { ssh: 'my key' }, 'Invalid value for input "ssh": "my key".'],
    ['tag with upper case', { tags: 'Acme/App:1' }, 'Invalid value for input "tags": "Acme/App:1". Expected image references such as user/app:1.0 or registry:5000/app:latest.'],
    ['tag with a bad tag', { tags: 'acme/app:-x' }, 'Invalid value for input "tags": "acme/app:-x".'],
    ['tag with two colons', { tags: 'acme/app:1:2' }, 'Invalid value for input "tags": "acme/app:1:2".'],
    ['tag with a short digest', { tags: 'acme/app@sha256:abc' }, 'Invalid value for input "tags": "acme/app@sha256:abc".'],
    ['NUL byte in a text input', { target: 'a\u0000b' }, 'Invalid value for input "target": "a\\u0000b". Expected a value without NUL bytes.'],
    ['NUL byte in a list input', { labels: 'a=1\u0000' }, 'Invalid value for input "labels"'],
    ['NUL byte in a secret is not repeated', { secrets: 'A=x\u0000y' }, 'Invalid value for input "secrets": (hidden, 5 characters). Expected a value without NUL bytes.'],
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
      'Invalid value for input "build-args": "NO_EQUALS\\nsecond line". Expected KEY=VALUE or NAME items, one per line.',
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

  test('a Dockerfile that does not exist, with a local context', async () => {
    await expect(validate({ context: dir, file: join(dir, 'Dockerfile.nope') })).rejects.toThrow(
      `Invalid value for input "file": "${join(dir, 'Dockerfile.nope')}". Expected an existing Dockerfile (relative to the workspace).`,
    );
  });

  test('an existing context and Dockerfile pass; a remote context is not checked', async () => {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    await expect(validate({ context: dir, file: join(dir, 'Dockerfile') })).resolves.toEqual({
      warnings: [],
    });
    await expect(
      validate({ context: 'https://github.com/acme/app.git#main', file: 'sub/Dockerfile' }),
    ).resolves.toEqual({ warnings: [] });
    await expect(validate({ context: '{{defaultContext}}:app' })).resolves.toEqual({ warnings: [] });
  });

  test('save-tag and save-tags without save warn and do not fail, as depot/build-push-action passes them', async () => {
    expect((await validate({ 'save-tag': 'v1' })).warnings).toEqual([
      'Input "save-tag" has no effect without save: true: the image is not saved to the Depot Registry, so it gets no tags there.',
    ]);
    expect((await validate({ 'save-tags': 'v1,v2' })).warnings[0]).toMatch(
      /^Input "save-tags" has no effect without save: true/,
    );
    expect((await validate({ save: 'true', 'save-tags': 'v1' })).warnings).toEqual([]);
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

  test('a secret file path with a carriage return is refused (the CLI would read another path)', async () => {
    const options = await readOptions(buildSchema, (name) =>
      name === 'secret-files' ? ['KEY=/tmp/a\r\nb'] : '',
    );
    expect(() => validateBuildOptions(options)).toThrow(
      'Invalid value for input "secret-files": "KEY=/tmp/a\\r\\nb". Expected ID=PATH items whose path has no carriage return.',
    );
  });

  test('items for a text or boolean input are refused, naming the input', () => {
    expect(() => parseInput('push', buildSchema.push, ['true'])).toThrow('Invalid value for input "push"');
    expect(() => parseInput('target', buildSchema.target, ['a', 'b'])).toThrow('a single value, not a list');
  });
});

describe('values buildx accepts pass', () => {
  // prettier-ignore
  const good: [string, Record<string, string>][] = [
    ['build-args: a bare NAME, taken from the environment by the CLI', { 'build-args': 'NPM_TOKEN\nA=1' }],
    ['lint-fail-on: warning', { 'lint-fail-on': 'warning' }],
    ['lint-fail-on: any case', { 'lint-fail-on': 'WARN' }],
    ['add-hosts: IPv4, IPv6, = form, host-gateway', { 'add-hosts': 'a:10.0.0.1,b:::1,c=[fe80::1],d:host-gateway' }],
    ['allow: the entitlements', { allow: 'network.host,security.insecure,device=/dev/fuse' }],
    ['attests: sbom and provenance', { attests: 'type=sbom,generator=image\ntype=provenance,mode=max' }],
    ['cache-from: a bare ref, registry, local, gha', { 'cache-from': 'acme/app:cache\ntype=registry,ref=acme/app:c\ntype=local,src=/tmp/c\ntype=gha' }],
    ['cache-to: inline, s3, quoted field', { 'cache-to': 'type=inline\ntype=s3,region=x,bucket=y\ntype=registry,"ref=acme/app:c",mode=max' }],
    ['platforms: any case, aliases and a lone architecture, as the CLI parses them', { platforms: 'linux/AMD64,linux/x86-64,arm64,Linux/arm/v7,local' }],
    ['network: host, none, default', { network: 'host' }],
    ['outputs: a bare directory, local, tar, image, quoted', { outputs: './out\ntype=local,dest=out\ntype=tar,dest=a.tar\ntype=image,"name=a/b:1,a/b:2",push=true\n"type=docker", dest=img.tar' }],
    ['provenance: booleans and attributes', { provenance: 'mode=min,inline-only=true' }],
    ['provenance: True', { provenance: 'True' }],
    ['sbom: Go booleans and attributes', { sbom: '1' }],
    ['sbom: generator', { sbom: 'generator=docker/buildkit-syft-scanner' }],
    ['shm-size: units', { 'shm-size': '2g' }],
    ['shm-size: bytes and GiB', { 'shm-size': '1.5GiB' }],
    ['ssh: default, id=path, several paths', { ssh: 'default\ngithub=/tmp/a,/tmp/b' }],
    ['tags: registries, ports, digests, localhost', { tags: 'alpine,user/app:1.0,ghcr.io/acme/app:latest,localhost:5000/app,registry.example:5000/a/b/c:v1_2.3-x,acme/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,[::1]:5000/app:1' }],
  ];
  test.each(good)('%s', async (_title, inputs) => {
    await expect(validate(inputs)).resolves.toBeDefined();
  });

  test('lint-fail-on is passed lower-cased, as the CLI reads it', async () => {
    expect((await read({ 'lint-fail-on': 'Warning' }))['lint-fail-on']).toBe('warning');
  });

  test('a list input is trimmed as a whole before it is parsed (two tags, not one quoted)', async () => {
    expect((await read({ tags: ' "a/b:1,a/b:2"' })).tags).toEqual(['a/b:1', 'a/b:2']);
    expect((await read({ 'build-args': '\n  "A=1,2"\nB=3  ' }))['build-args']).toEqual(['A=1,2', 'B=3']);
  });

  test('secrets are not trimmed as a whole (a value may end in a newline)', async () => {
    expect((await read({ secrets: '"KEY=line\n"' })).secrets).toEqual(['KEY=line\n']);
  });
});

describe('bake validation', () => {
  const validateBake = async (inputs: Record<string, string>) =>
    validateBakeOptions(await readOptions(bakeSchema, (n) => inputs[n] ?? ''));
  // prettier-ignore
  const bad: [string, Record<string, string>, string][] = [
    ['provenance mode', { provenance: 'mode=all' }, 'Invalid value for input "provenance": "mode=all". Expected true, false, or attributes such as mode=max'],
    ['sbom that is neither', { sbom: 'on' }, 'Invalid value for input "sbom": "on".'],
    ['NUL byte', { targets: 'a\u0000' }, 'Invalid value for input "targets"'],
    ['a target that would be a flag', { targets: 'app\n--push' }, 'Invalid value for input "targets": "--push". Expected target or group names (a name cannot start with "-").'],
    ['a var that is no HCL variable name', { vars: 'A B=1' }, 'Invalid value for input "vars": "A B=1". Expected NAME=VALUE items whose NAME is an HCL variable name.'],
    ['a var the engine reads itself', { vars: 'TAG=1\nDEPOT_API_URL=https://evil.example' }, 'Invalid value for input "vars": "DEPOT_API_URL=https://evil.example". Expected NAME=VALUE items naming a variable of the bake definition (DEPOT_API_URL is read by the engine itself).'],
    ['a proxy variable in any case', { vars: 'https_proxy=http://evil.example' }, '(https_proxy is read by the engine itself)'],
  ];
  test("variables users name like the engine's own are still bake variables", async () => {
    await expect(
      validateBake({ vars: 'DOCKER_REGISTRY=ghcr.io\nGIT_SHA=abc\nGO_VERSION=1.23\npath=x\nTAG-SUFFIX=-rc' }),
    ).resolves.toEqual({ warnings: [] });
    // GODEBUG=http2debug=2 makes the CLI print its Authorization header.
    for (const name of ['GODEBUG', 'GIT_SSH_COMMAND', 'SSH_AUTH_SOCK', 'ACTIONS_CACHE_URL', 'HTTP_PROXY'])
      await expect(validateBake({ vars: `${name}=x` })).rejects.toThrow(
        `(${name} is read by the engine itself)`,
      );
  });
  test.each(bad)('%s', async (_title, inputs, message) => {
    await expect(validateBake(inputs)).rejects.toThrow(message);
  });
  test('save-tag without save warns, lint-fail-on takes warning in any case', async () => {
    expect(
      (await validateBake({ 'save-tag': 'v1', lint: 'true', 'lint-fail-on': 'WARNING' })).warnings,
    ).toEqual([
      'Input "save-tag" has no effect without save: true: the images are not saved to the Depot Registry, so they get no tags there.',
    ]);
  });
});

describe('fallback-timeout', () => {
  test('a whole number of seconds in digits, 120 when empty', () => {
    expect(fallbackSeconds('')).toBe(120);
    expect(fallbackSeconds(' 60 ')).toBe(60);
    expect(fallbackSeconds('2147483')).toBe(2147483);
  });

  // Node keeps no timer longer than 2^31 - 1 ms: a longer one fires at once, which would give up
  // on a Depot builder immediately for a value meant as "wait for ever".
  test.each(['0', '2147484', '999999999', '1e3', '1.5', '-5', 'soon'])('%s is refused', (raw) => {
    expect(() => fallbackSeconds(raw)).toThrow(
      `Invalid value for input "fallback-timeout": "${raw}". Expected a whole number of seconds from 1 to 2147483.`,
    );
  });
});
