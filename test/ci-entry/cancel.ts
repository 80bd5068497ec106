/**
 * Cancelling a running step as CI systems do: once the depot stub is running (so the step's
 * secret files exist), SIGTERM to the step's process group and SIGKILL two seconds later, or
 * SIGKILL at once. Resolves with the files that were in TMPDIR while depot ran.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readStubRecords } from '../harness/engine-stub';
import { filesIn } from './helpers';

export type CancelSignals = 'TERM then KILL' | 'KILL';

export async function cancelWhenDepotRuns(
  pid: number,
  paths: { tmp: string; records: string },
  signals: CancelSignals,
): Promise<string[]> {
  for (let i = 0; i < 400; i++) {
    const [call] = await readStubRecords(paths.records).catch(() => []);
    if (call?.ready) break;
    await sleep(25);
  }
  const during = filesIn(paths.tmp);
  process.kill(-pid, signals === 'KILL' ? 'SIGKILL' : 'SIGTERM');
  if (signals === 'KILL') return during;
  await sleep(2000);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
  return during;
}
