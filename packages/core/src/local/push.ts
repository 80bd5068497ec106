import type { OutputSink } from '../run/execute';
import { runCommand } from '../run/execute';
import type { LocalEngine } from './types';

export interface PushResult {
  exitCode: number;
  /** The pushed manifest's digest, from `docker push`'s `<tag>: digest: sha256:... size: N` line. */
  digest?: string;
  tail: string[];
  /** The step was cancelled during a push (see RunResult). */
  cancelled?: NodeJS.Signals;
}

const DIGEST = /digest: (sha256:[0-9a-f]{64})/;

/**
 * Pushes each tag with `docker push` (the classic builder only loads into the daemon). Every
 * tag names the same image, so they share one manifest digest. Stops at the first failure.
 */
export async function pushTags(
  engine: LocalEngine,
  tags: readonly string[],
  env: Record<string, string | undefined>,
  cwd: string,
  sink: OutputSink,
): Promise<PushResult> {
  let digest: string | undefined;
  for (const tag of tags) {
    const result = await runCommand(
      { command: engine.docker, args: ['push', tag], cwd, env: {}, secretEnv: [] },
      env,
      sink,
    );
    if (result.exitCode !== 0 || result.cancelled) {
      return { exitCode: result.exitCode, digest, tail: result.tail, cancelled: result.cancelled };
    }
    digest ??= result.tail.map((l) => DIGEST.exec(l)?.[1]).find(Boolean);
  }
  return { exitCode: 0, digest, tail: [] };
}
