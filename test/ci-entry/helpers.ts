/**
 * Helpers for the CircleCI and Buildkite entry-point tests: run a process with a clean environment
 * and collect what it printed, read the recording `buildkite-agent` stub, and fresh temp dirs.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../harness/runner';

export const CI_STUB_DIR = join(REPO_ROOT, 'test', 'ci-entry', 'stubs');
export const DEPOT_STUB_DIR = join(REPO_ROOT, 'test', 'stubs');
export const REAL_CLI_DIR = join(REPO_ROOT, 'node_modules', '@depot', 'cli-linux-x64', 'bin');
export const ORB_SRC = join(REPO_ROOT, 'packages', 'circleci-orb', 'src');
export const PLUGIN_DIR = join(REPO_ROOT, 'packages', 'buildkite-plugin');
/** Directory of the running node, so a clean PATH still finds it. */
export const NODE_DIR = join(process.execPath, '..');

/** A PATH with `first` directories, then node's and the system's. */
export const pathWith = (...first: string[]): string => [...first, NODE_DIR, '/usr/bin', '/bin'].join(':');

export interface ProcessResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command with exactly `env` (nothing inherited) and collects its output. With `onStart`,
 * the command leads a process group of its own, whose ID `onStart` receives (to signal it whole).
 */
export function runProcess(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  cwd: string,
  onStart?: (pid: number) => void,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    const child = spawn(command, args, {
      env: clean,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: !!onStart,
    });
    if (onStart && child.pid) onStart(child.pid);
    // Decoded whole at the end: a chunk may end inside a character.
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', reject);
    child.on('close', (exitCode) =>
      resolve({
        exitCode,
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
      }),
    );
  });
}

/** A temp directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every file under `dir` (recursive), as paths relative to it. */
export function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1))
    .sort();
}

export interface AgentCall {
  argv: string[];
  stdin?: string;
  stdinSha256?: string;
  stdinLength?: number;
}

/** The calls the `buildkite-agent` stub recorded. */
export function agentCalls(recordFile: string): AgentCall[] {
  if (!existsSync(recordFile)) return [];
  return readFileSync(recordFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AgentCall);
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The orb's packed entry point, as the orb passes it to run.sh in DEPOT_ORB_ENTRY. */
export const orbEntry = (): string => readFileSync(join(ORB_SRC, 'scripts', 'entry.js.br.b64'), 'utf8');

/** Environment for the real depot CLI: loopback only, quiet, no Docker, throwaway HOME. */
export function realCliEnv(home: string, apiUrl: string): Record<string, string> {
  return {
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    DEPOT_API_URL: apiUrl,
    DEPOT_NO_UPDATE_NOTIFIER: '1',
    DEPOT_ERROR_TELEMETRY: '0',
    DEPOT_DISABLE_OTEL: '1',
    NO_COLOR: '1',
  };
}

/** Fails with the file name if any secret occurs in any of the texts. */
export function expectNoSecrets(secrets: readonly string[], texts: Record<string, string>): void {
  for (const secret of secrets) {
    if (!secret) continue;
    for (const [where, text] of Object.entries(texts)) {
      if (text.includes(secret)) throw new Error(`a secret (${secret.slice(0, 6)}…) leaked into ${where}`);
    }
  }
}

/** Values that would run `touch MARKER` (or split into words) if any shell ever read them as code. */
export const INJECTION = [
  'A=$(touch MARKER)',
  'B=`touch MARKER`',
  'C=x; touch MARKER',
  `D="quoted" 'single'`,
  'E=two words',
];
