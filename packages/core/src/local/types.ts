/**
 * How the local engine builds: `docker buildx build` where buildx is installed, else the docker
 * client's own BuildKit build (`DOCKER_BUILDKIT=1 docker build`, clients before 23.0), which has
 * fewer flags, loads every image into the daemon and pushes with `docker push` afterwards.
 */
export type LocalMode = 'buildx' | 'buildkit';

export interface LocalEngine {
  kind: 'local';
  /** The docker client to run. */
  docker: string;
  mode: LocalMode;
  /** Platforms it can build (`os/arch[/variant]`): the daemon's own, or what the buildx builder lists. */
  platforms: string[];
}

/** How the local engine is named in logs and summaries. */
export const describeLocalEngine = (engine: LocalEngine): string =>
  engine.mode === 'buildx' ? 'local Docker (docker buildx)' : 'local Docker (docker build with BuildKit)';
