/**
 * Helpers around `test/stubs/depot`, the recording fake of the depot CLI: build the env that
 * steers it and read back what the action under test invoked it with.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from './runner';

/** Directory holding the `depot` stub; put it first on PATH (RunActionOptions.prependPath). */
export const STUB_DIR: string = join(REPO_ROOT, 'test', 'stubs');

/** The version line `depot --version` prints. */
export const STUB_VERSION_TEXT = 'depot version 2.102.12 (2026-09-22)';

export interface StubBehaviour {
  /** DEPOT_STUB_EXIT. Default 0. */
  exitCode?: number;
  /** DEPOT_STUB_STDERR, may be multi-line. */
  stderr?: string;
  /** DEPOT_STUB_STDERR_CHUNK: write stderr in pieces of this many bytes, as a streaming engine does. */
  stderrChunk?: number;
  /** DEPOT_STUB_STDOUT. */
  stdout?: string;
  /** DEPOT_STUB_METADATA: written to `--metadata-file`; non-strings are JSON-encoded. */
  metadata?: unknown;
  /** DEPOT_STUB_IMAGEID: written to `--iidfile`. */
  imageId?: string;
  /** DEPOT_STUB_BUILD_URL: printed as `[depot] build: <url>` on stderr first. */
  buildUrl?: string;
  /** DEPOT_STUB_SLEEP_MS: sleep before exiting; SIGINT → 130, SIGTERM → 143, both recorded. */
  sleepMs?: number;
  /** DEPOT_STUB_ENV_KEYS: env keys whose values the stub records (DEPOT_TOKEN is never recorded). */
  envKeys?: string[];
}

/** One `depot` invocation as recorded by the stub, with any signals it received. */
export interface StubInvocation {
  pid: number;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  hasToken: boolean;
  /** `--secret id=X,src=PATH` → file content at invocation time (null if unreadable). */
  secretFiles: Record<string, string | null>;
  signals: string[];
  /** True once the stub installed its signal handlers (only when sleeping). */
  ready: boolean;
}

export interface EngineStub {
  dir: string;
  recordFile: string;
  /** Env to merge into RunActionOptions.env (DEPOT_STUB_*). */
  env: Record<string, string>;
  /** Ready-made RunActionOptions fragment: stub env plus the stub dir on PATH. */
  runnerOptions(): { env: Record<string, string>; prependPath: string[] };
  records(): Promise<StubInvocation[]>;
  cleanup(): Promise<void>;
}

/** The DEPOT_STUB_* env for a behaviour; pure, so tests can also spawn the stub directly. */
export function stubEnv(recordFile: string, behaviour: StubBehaviour = {}): Record<string, string> {
  const env: Record<string, string> = { DEPOT_STUB_RECORD: recordFile };
  if (behaviour.exitCode !== undefined) env.DEPOT_STUB_EXIT = String(behaviour.exitCode);
  if (behaviour.stderr !== undefined) env.DEPOT_STUB_STDERR = behaviour.stderr;
  if (behaviour.stderrChunk !== undefined) env.DEPOT_STUB_STDERR_CHUNK = String(behaviour.stderrChunk);
  if (behaviour.stdout !== undefined) env.DEPOT_STUB_STDOUT = behaviour.stdout;
  if (behaviour.metadata !== undefined) {
    env.DEPOT_STUB_METADATA =
      typeof behaviour.metadata === 'string' ? behaviour.metadata : JSON.stringify(behaviour.metadata);
  }
  if (behaviour.imageId !== undefined) env.DEPOT_STUB_IMAGEID = behaviour.imageId;
  if (behaviour.buildUrl !== undefined) env.DEPOT_STUB_BUILD_URL = behaviour.buildUrl;
  if (behaviour.sleepMs !== undefined) env.DEPOT_STUB_SLEEP_MS = String(behaviour.sleepMs);
  if (behaviour.envKeys !== undefined) env.DEPOT_STUB_ENV_KEYS = behaviour.envKeys.join(',');
  return env;
}

/** Reads the stub's JSON-lines record file; [] if the stub was never invoked. */
export async function readStubRecords(recordFile: string): Promise<StubInvocation[]> {
  let text: string;
  try {
    text = await readFile(recordFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const invocations: StubInvocation[] = [];
  const byPid = new Map<number, StubInvocation>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as RawRecord;
    if (entry.type === 'invocation') {
      const invocation: StubInvocation = {
        pid: entry.pid,
        argv: entry.argv,
        cwd: entry.cwd,
        env: entry.env,
        hasToken: entry.hasToken,
        secretFiles: entry.secretFiles,
        signals: [],
        ready: false,
      };
      invocations.push(invocation);
      byPid.set(entry.pid, invocation);
    } else {
      const invocation = byPid.get(entry.pid);
      if (!invocation) continue;
      if (entry.type === 'signal') invocation.signals.push(entry.signal);
      else invocation.ready = true;
    }
  }
  return invocations;
}

/** Polls the record file until `predicate` holds (e.g. the stub is ready for a signal). */
export async function waitForStubRecords(
  recordFile: string,
  predicate: (records: StubInvocation[]) => boolean,
  timeoutMs = 10_000,
): Promise<StubInvocation[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await readStubRecords(recordFile);
    if (predicate(records)) return records;
    if (Date.now() > deadline) throw new Error(`stub records did not match within ${timeoutMs}ms`);
    await sleep(25);
  }
}

/**
 * An engine output fixture (test/fixtures/build-output/<name>): what the engines print in plain
 * progress mode, for `stderr` so the stub prints it as depot does.
 */
export function buildOutputFixture(name: string): string {
  return readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'build-output', name), 'utf8');
}

/** A fresh record file in its own temp dir plus the env for the given behaviour. */
export async function createEngineStub(behaviour: StubBehaviour = {}): Promise<EngineStub> {
  const dir = await mkdtemp(join(tmpdir(), 'depot-stub-'));
  const recordFile = join(dir, 'records.jsonl');
  await writeFile(recordFile, '');
  const env = stubEnv(recordFile, behaviour);
  return {
    dir,
    recordFile,
    env,
    runnerOptions: () => ({ env: { ...env }, prependPath: [STUB_DIR] }),
    records: () => readStubRecords(recordFile),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

type RawRecord =
  | {
      type: 'invocation';
      pid: number;
      argv: string[];
      cwd: string;
      env: Record<string, string>;
      hasToken: boolean;
      secretFiles: Record<string, string | null>;
    }
  | { type: 'signal'; pid: number; signal: string }
  | { type: 'ready'; pid: number };
