/**
 * The Buildkite agent's side of a plugin, reproduced from its source (buildkite/agent,
 * agent/plugin/plugin.go and the job executor): how a plugin's configuration becomes
 * BUILDKITE_PLUGIN_* variables (lists `_N`, maps `_KEY`, booleans `true`/`false`, numbers as
 * written, a `null` anywhere dropping every variable of the plugin), and how a job runs the hooks:
 * each in its own shell, what a hook exports carried into the next, the pre-exit hook always last.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Env = Record<string, string | undefined>;

/** The agent's plugin name: last path segment, lower-cased, other characters as `-`, suffix stripped. */
export function agentPluginName(location: string): string {
  const path = location.replace(/#.*$/, '');
  return (path.split('/').at(-1) ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '-')
    .replace(/-buildkite-plugin-git/g, '')
    .replace(/-buildkite-plugin/g, '');
}

const formatEnvKey = (key: string): string => key.toUpperCase().replace(/[-\s]/g, '_');

/** walkConfigValues: throws on null (the agent's "Unknown type <nil>"). */
function walk(prefix: string, value: Json, into: Record<string, string>): void {
  if (value === null) throw new Error(`Unknown type <nil> at ${prefix}`);
  if (Array.isArray(value)) value.forEach((item, i) => walk(`${prefix}_${i}`, item, into));
  else if (typeof value === 'object')
    for (const [k, v] of Object.entries(value)) walk(`${prefix}_${formatEnvKey(k)}`, v, into);
  else into[prefix] = String(value);
}

/**
 * The variables the agent sets for one plugin of a step (`location` as written in pipeline.yml),
 * plus BUILDKITE_PLUGINS for the whole step.
 */
export function agentPluginEnv(location: string, config: Record<string, Json> | null): Env {
  const env: Env = { BUILDKITE_PLUGINS: JSON.stringify([{ [location]: config }]) };
  const name = agentPluginName(location);
  const vars: Record<string, string> = {};
  try {
    for (const [k, v] of Object.entries(config ?? {}))
      walk(`BUILDKITE_PLUGIN_${formatEnvKey(name)}_${formatEnvKey(k)}`, v, vars);
  } catch {
    // The agent warns "Error configuring plugin environment" and sets no plugin variable at all.
    return env;
  }
  // Names with consecutive underscores also come in the collapsed (deprecated) form.
  for (const [k, v] of Object.entries({ ...vars })) vars[k.replace(/_+/g, '_')] ??= v;
  return {
    ...env,
    BUILDKITE_PLUGIN_NAME: formatEnvKey(name),
    BUILDKITE_PLUGIN_CONFIGURATION: JSON.stringify(config ?? {}),
    ...vars,
  };
}

export interface HookResult {
  hook: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one hook as the agent does: in a shell of its own, then the environment it leaves behind. */
function runOneHook(
  file: string,
  env: Env,
  cwd: string,
  envDump: string,
  onStart?: (pid: number) => void,
): Promise<HookResult> {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return new Promise((resolve, reject) => {
    // Sourced, as the agent's hook wrapper does, so `export` in the hook reaches later phases. A
    // command phase without a plugin command hook is the agent's default: BUILDKITE_COMMAND run by
    // BUILDKITE_SHELL (bash -e -c).
    const script = existsSync(file)
      ? '. "$1"; status=$?; env -0 >"$2"; exit "$status"'
      : 'bash -e -c "$BUILDKITE_COMMAND"';
    const child = spawn('bash', ['-c', script, 'hook', file, envDump], {
      env: clean,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid) onStart?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ hook: file, exitCode, stdout, stderr }));
  });
}

function readEnvDump(file: string): Env | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    return Object.fromEntries(
      text
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
  } catch {
    return undefined;
  }
}

export interface JobOptions {
  pluginDir: string;
  /** The plugin's hooks to run in the agent's order; pre-exit runs even after a failure or cancel. */
  hooks: ('environment' | 'pre-command' | 'command' | 'pre-exit')[];
  env: Env;
  cwd: string;
  /** Scratch directory for the environment dumps between hooks. */
  work: string;
  /** Called with each hook's process group as it starts (the cancel test signals it). */
  onHookStart?: (hook: string, pid: number) => void;
}

/** Runs the hooks of one job. Returns each hook's result and the environment after the last one. */
export async function runAgentJob(options: JobOptions): Promise<{ results: HookResult[]; env: Env }> {
  let env = options.env;
  const results: HookResult[] = [];
  let failed = false;
  for (const [i, hook] of options.hooks.entries()) {
    if (failed && hook !== 'pre-exit') continue;
    const dump = join(options.work, `env-${i}`);
    const result = await runOneHook(join(options.pluginDir, 'hooks', hook), env, options.cwd, dump, (pid) =>
      options.onHookStart?.(hook, pid),
    );
    results.push(result);
    if (result.exitCode !== 0) failed = true;
    else env = readEnvDump(dump) ?? env;
  }
  return { results, env };
}
