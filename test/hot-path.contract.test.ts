/**
 * The hot paths load no network code: build-push given a token with depot on PATH, and setup with
 * a pinned version already in the tool cache, run as processes from dist/. Node's own list of the
 * built-in modules a process loaded (process.moduleLoadList, printed at exit by a preload script)
 * shows whether @actions/http-client, tool-cache or zlib were brought in: they need http, https,
 * tls and zlib, which nothing else on these paths does.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from '@jest/globals';
import { createEngineStub } from './harness/engine-stub';
import { runAction, type ActionResult } from './harness/runner';

const NETWORK_MODULES = ['http', 'https', 'tls', '_http_client', 'zlib'];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function probe(): { env: Record<string, string>; loaded(result: ActionResult): string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'hot-path-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'preload.cjs');
  writeFileSync(
    script,
    "process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))) + '\\n'));\n",
  );
  return {
    env: { NODE_OPTIONS: `--require ${script}` },
    loaded: (result) => {
      const line = /^LOADED (.*)$/m.exec(result.main.stderr)?.[1];
      if (!line) throw new Error(`no module list in stderr: ${result.main.stderr}`);
      return (JSON.parse(line) as string[]).filter((m) => NETWORK_MODULES.includes(m));
    },
  };
}

test('build-push with a token and depot on PATH loads no HTTP client', async () => {
  const engine = await createEngineStub({});
  cleanups.push(() => engine.cleanup());
  const runner = engine.runnerOptions();
  const modules = probe();
  const result = await runAction('build-push', {
    inputs: { token: 'depot_project_token_hotpath', project: 'prj_7', context: '.', push: 'false' },
    env: { ...runner.env, ...modules.env },
    prependPath: runner.prependPath,
  });
  cleanups.push(() => result.cleanup());
  expect(result.main.exitCode).toBe(0);
  expect(modules.loaded(result)).toEqual([]);
});

test('setup with a pinned version in the tool cache loads no HTTP client (and the install path does)', async () => {
  const toolCache = mkdtempSync(join(tmpdir(), 'hot-path-cache-'));
  cleanups.push(() => rmSync(toolCache, { recursive: true, force: true }));
  const entry = join(toolCache, 'depot', '2.102.12', process.arch);
  mkdirSync(entry, { recursive: true });
  writeFileSync(join(entry, 'depot'), '#!/bin/sh\necho "depot version 2.102.12"\n', { mode: 0o755 });
  writeFileSync(`${entry}.complete`, '');
  const modules = probe();
  const env = { ...modules.env, RUNNER_TOOL_CACHE: toolCache, DEPOT_INSTALL_RETRY_DELAY_MS: '1' };

  const warm = await runAction('setup', { inputs: { version: '2.102.12' }, env });
  cleanups.push(() => warm.cleanup());
  expect(warm.main.exitCode).toBe(0);
  expect(warm.outputs['cache-hit']).toBe('true');
  expect(modules.loaded(warm)).toEqual([]);

  // The probe sees the difference: a miss (against a closed port) loads the client.
  const cold = await runAction('setup', {
    inputs: { version: '2.101.0', 'download-url': 'http://127.0.0.1:9/download' },
    env: { ...env, npm_config_registry: 'http://127.0.0.1:9' },
  });
  cleanups.push(() => cold.cleanup());
  expect(cold.main.exitCode).toBe(1);
  expect(modules.loaded(cold)).toEqual(expect.arrayContaining(['http', 'https', 'tls', 'zlib']));
});
