import { describeGaps, localGapsOf, type Invocation, type LocalEngine } from '@depot-actions/core';

/** docker buildx on a builder for the given platforms. */
export const buildxEngine = (platforms: string[]): LocalEngine => ({
  kind: 'local',
  docker: '/usr/bin/docker',
  mode: 'buildx',
  platforms,
});
/** Debian's 20.10 client building with the daemon's own BuildKit, on an amd64 daemon. */
export const CLASSIC: LocalEngine = {
  kind: 'local',
  docker: '/usr/bin/docker',
  mode: 'buildkit',
  platforms: ['linux/amd64'],
};

/** A local engine's verdict on an invocation: the gaps that refuse the step. */
export type Refused = { refused: string };
export const no = (gaps: string): Refused => ({ refused: gaps });

/** What `render` makes of the invocation when the engine can honour all of it, else its refusal. */
export function verdict<T>(invocation: Invocation, engine: LocalEngine, render: () => T): T | Refused {
  const gaps = localGapsOf(invocation, engine);
  return gaps.length ? no(describeGaps(gaps)) : render();
}
