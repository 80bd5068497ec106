import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { captureOutput } from '../run/execute';
import type { LocalEngine } from './types';

type Env = Readonly<Record<string, string | undefined>>;

/** Every distinct `docker` executable on PATH, in PATH order. */
function dockerClients(env: Env): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'docker');
    try {
      accessSync(candidate, constants.X_OK);
      const real = realpathSync(candidate);
      if (!seen.has(real)) {
        seen.add(real);
        found.push(candidate);
      }
    } catch {
      // not here
    }
  }
  return found;
}

export type Detection = { engine: LocalEngine } | { reason: string };

/**
 * Finds a docker client that can build with BuildKit, preferring buildx: a newer client without
 * the buildx plugin cannot build with BuildKit at all, while clients before 23.0 can on their
 * own. Then checks that a daemon answers, and which platforms it builds. Runs only when the
 * local engine is needed.
 */
export async function detectLocalEngine(env: Env): Promise<Detection> {
  const clients = dockerClients(env);
  if (clients.length === 0) return { reason: 'no docker client on PATH' };
  const probes = await Promise.all(
    clients.map(async (docker) => ({
      docker,
      buildx: (await captureOutput(docker, ['buildx', 'version'], env)) !== undefined,
      // `docker --version` answers without a daemon; `docker version` fails when none answers.
      client: /version (\d+)\./.exec((await captureOutput(docker, ['--version'], env)) ?? '')?.[1],
    })),
  );
  const withBuildx = probes.find((p) => p.buildx);
  const legacy = probes.find((p) => !p.buildx && p.client && Number.parseInt(p.client, 10) < 23);
  const chosen: Omit<LocalEngine, 'platforms'> | undefined = withBuildx
    ? { kind: 'local', docker: withBuildx.docker, mode: 'buildx' }
    : legacy
      ? { kind: 'local', docker: legacy.docker, mode: 'buildkit' }
      : undefined;
  if (!chosen) {
    return {
      reason: `no docker client with buildx or built-in BuildKit (found ${clients.join(', ')}; install the buildx plugin)`,
    };
  }
  // `docker version` fails when no daemon answers; its OS and architecture are what it builds.
  const server = await captureOutput(
    chosen.docker,
    ['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'],
    env,
  );
  const native = server?.trim();
  if (!native) {
    return { reason: `no Docker daemon answers at ${env.DOCKER_HOST || 'the default socket'}` };
  }
  const listed =
    chosen.mode === 'buildx'
      ? builderPlatforms(await captureOutput(chosen.docker, ['buildx', 'inspect'], env))
      : [];
  return { engine: { ...chosen, platforms: listed.length ? listed : [native] } };
}

/** The `Platforms:` line of `docker buildx inspect` (emulated platforms included). */
export function builderPlatforms(inspect: string | undefined): string[] {
  const line = /^Platforms:\s*(.*)$/m.exec(inspect ?? '')?.[1] ?? '';
  return line
    .split(',')
    .map((p) => p.trim().replace(/\*$/, ''))
    .filter(Boolean);
}
