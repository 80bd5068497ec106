/**
 * One Buildkite job using the depot or depot-install plugin, run as the agent runs it (see
 * buildkite-agent.ts): the plugin's variables from a configuration, the hooks in order, a
 * recording `buildkite-agent` and the recording depot stub on PATH.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stubEnv } from '../harness/engine-stub';
import { agentPluginEnv, runAgentJob, type HookResult } from './buildkite-agent';
import { agentCalls, PLUGIN_DIR, tempDir, type AgentCall, type ProcessResult } from './helpers';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export const DEPOT_PLUGIN = 'depot-actions/depot#v1.0.0';
export const INSTALL_PLUGIN = 'depot-actions/depot-install#v1.0.0';
export const INSTALL_PLUGIN_DIR = join(PLUGIN_DIR, '..', 'buildkite-install-plugin');

export interface PluginJob extends ProcessResult {
  work: string;
  /** The job's TMPDIR. */
  tmp: string;
  calls: AgentCall[];
  /** The depot stub's record file. */
  records: string;
  results: HookResult[];
  cleanup: () => void;
}

export interface PluginJobOptions {
  kind: 'command' | 'install';
  /** The plugin block of pipeline.yml, as JSON (null: a plugin without configuration). */
  config: Record<string, Json> | null;
  env: Record<string, string | undefined>;
  path: string;
  /** The stub's behaviour (DEPOT_STUB_*), beyond the default metadata. */
  stub?: Record<string, string>;
  /** Called as each hook starts, with its process group and the job's paths (the cancel test). */
  onHookStart?: (hook: string, pid: number, job: { tmp: string; records: string }) => void;
  /** The hooks to run; default environment, command, pre-exit. */
  hooks?: ('environment' | 'command' | 'pre-exit')[];
}

/** Runs environment, command (or the agent's default command phase) and pre-exit. */
export async function runPluginJob(options: PluginJobOptions): Promise<PluginJob> {
  const { dir: work, cleanup } = tempDir('buildkite-');
  const tmp = join(work, 'tmp');
  const records = join(work, 'records.jsonl');
  const agentRecord = join(work, 'agent.jsonl');
  mkdirSync(tmp);
  mkdirSync(join(work, 'checkout'));
  const { results } = await runAgentJob({
    pluginDir: options.kind === 'install' ? INSTALL_PLUGIN_DIR : PLUGIN_DIR,
    hooks: options.hooks ?? ['environment', 'command', 'pre-exit'],
    cwd: join(work, 'checkout'),
    work,
    onHookStart: (hook, pid) => options.onHookStart?.(hook, pid, { tmp, records }),
    env: {
      PATH: options.path,
      HOME: work,
      TMPDIR: tmp,
      BUILDKITE: 'true',
      BUILDKITE_BUILD_URL: 'https://buildkite.com/acme/widgets/builds/7',
      BUILDKITE_COMMIT: 'abc123def456',
      BUILDKITE_BRANCH: 'main',
      BUILDKITE_STEP_KEY: 'image',
      BUILDKITE_BUILD_CHECKOUT_PATH: join(work, 'checkout'),
      ...agentPluginEnv(options.kind === 'install' ? INSTALL_PLUGIN : DEPOT_PLUGIN, options.config),
      BUILDKITE_AGENT_STUB_RECORD: agentRecord,
      ...stubEnv(records, {
        metadata: {
          'containerimage.digest': 'sha256:feedbeef',
          'depot.build': { buildID: 'bld_bk1', projectID: 'prj_bk' },
        },
        buildUrl: 'https://depot.dev/orgs/acme/projects/prj_bk/builds/bld_bk1',
      }),
      ...options.stub,
      ...options.env,
    },
  });
  const failed = results.find((r) => r.exitCode !== 0);
  return {
    exitCode: failed ? failed.exitCode : 0,
    stdout: results.map((r) => r.stdout).join(''),
    stderr: results.map((r) => r.stderr).join(''),
    work,
    tmp,
    records,
    results,
    calls: agentCalls(agentRecord),
    cleanup,
  };
}
