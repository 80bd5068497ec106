// The download path of ensureEngine, loaded only on a cache miss. Release channel first; when its
// hosts are unreachable, the npm registry. Everything happens in a private directory under the temp
// dir that is removed whatever happens, a cancel (SIGINT/SIGTERM) included; the tool cache only ever
// receives an executable that was verified, unpacked and ran once answering the version asked for.
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { messageOf, UserError } from '../errors';
import { cacheEntry, findCached } from './cache';
import { redactUrl } from '../http/policy';
import { HttpError, isUnreachable } from './http';
import { downloadNpm, resolveNpm } from './npm-source';
import { npmBinaryEntry } from './platform';
import { downloadRelease, resolveRelease } from './release-source';
import type { AcquireRequest } from './request';
import { storeInCache, sweepLeftovers, TEMP_PREFIX } from './store';
import type { EngineSource } from './types';
import { preloadToolCache } from './toolkit';
import { checkRuns, unpack, type VerifiedArchive } from './unpack';

/** An executable in the tool cache, its version and how it got there. */
export interface Acquired {
  path: string;
  version: string;
  source: EngineSource;
}

const DOWNLOAD_HINT =
  'Check that the runner can reach github.com and dl.depot.dev (directly or through HTTPS_PROXY; or set download-url to a mirror), ' +
  'or that its npm registry is reachable.';

/** Resolves, downloads, verifies, unpacks, test-runs and caches the CLI for a request the cache could not answer. */
export async function acquireEngine(req: AcquireRequest): Promise<Acquired> {
  preloadToolCache();
  // Both must take files before anything is downloaded, or the download is wasted.
  writableDir(req.tempDir, 'The temp directory (RUNNER_TEMP, or TMPDIR)');
  writableDir(req.toolCache, 'The tool cache (RUNNER_TOOL_CACHE)');
  if (existsSync(join(req.toolCache, 'depot')))
    writableDir(join(req.toolCache, 'depot'), 'The tool cache (RUNNER_TOOL_CACHE)');
  sweepLeftovers(req.tempDir, req.toolCache, req.target.arch);
  const workDir = mkdtempSync(join(req.tempDir, `${TEMP_PREFIX}${process.pid}-`));
  const cleanup = onCancel(workDir);
  try {
    return await acquireIn(req, workDir, cleanup.setUndo);
  } catch (error) {
    // A 404 or a malformed answer is a fact about the version or the mirror, not a bug here.
    if (error instanceof HttpError)
      throw new UserError(`The depot CLI could not be installed: ${error.message}.`, DOWNLOAD_HINT);
    throw error;
  } finally {
    // Removed while the cancel handler is still there: a signal now waits for the removal, where
    // without a handler it would end the process half-way through it.
    rmSync(workDir, { recursive: true, force: true });
    cleanup.done();
  }
}

/** Makes sure a directory exists and takes files, or says which one does not. */
function writableDir(path: string, what: string): void {
  try {
    mkdirSync(path, { recursive: true });
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new UserError(
      `${what} ${path} cannot take files: ${messageOf(error)}.`,
      'Point it at a writable directory, or install the CLI in a step that can write there.',
    );
  }
}

/**
 * On SIGINT/SIGTERM during the install: remove the work dir and any half-stored cache entry, then
 * let the signal end the process as it would have.
 */
function onCancel(workDir: string): { setUndo(undo: (() => void) | undefined): void; done(): void } {
  let undo: (() => void) | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    rmSync(workDir, { recursive: true, force: true });
    undo?.();
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    process.kill(process.pid, signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    setUndo: (fn) => {
      undo = fn;
    },
    done: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

async function acquireIn(
  req: AcquireRequest,
  workDir: string,
  setUndo: (undo: (() => void) | undefined) => void,
): Promise<Acquired> {
  const { target, toolCache } = req;
  const cached = (version: string): Acquired | undefined => {
    const path = findCached(toolCache, version, target.arch, target.binary);
    return path ? { path, version, source: { kind: 'cached' } } : undefined;
  };
  const foreign = target.platform !== process.platform || target.arch !== process.arch;
  const install = async (
    version: string,
    download: VerifiedArchive,
    name: string,
    candidates: string[],
    source: EngineSource,
  ): Promise<Acquired> => {
    const binary = await unpack(download.path, download.format, join(workDir, 'unpacked'), candidates, {
      env: req.env,
      toolCache,
      name,
    });
    // The downloaded files are no longer needed: free their space while the binary is checked and stored.
    const dropDownload = Promise.all(download.files.map((file) => rm(file, { force: true })));
    try {
      await checkRuns(binary, version, foreign);
      // A record left by an entry that was removed by hand must not vouch for this one.
      const record = cacheEntry(toolCache, version, target.arch, target.binary).sha256;
      rmSync(record, { force: true });
      const path = await storeInCache(
        req.env,
        toolCache,
        version,
        target.arch,
        target.binary,
        dirname(binary),
        setUndo,
      );
      // A release archive's digest, so that a later step with a checksum input can compare it.
      if (source.kind === 'downloaded' && download.sha256) writeFileSync(record, `${download.sha256}\n`);
      return { path, version, source };
    } finally {
      await dropDownload;
    }
  };

  let releaseFailure: unknown;
  try {
    const asset = await resolveRelease(req);
    const hit = cached(asset.version);
    if (hit) return hit;
    req.log.info(`Downloading ${redactUrl(asset.url)}`);
    const download = await downloadRelease(req, asset, workDir);
    return await install(asset.version, download, asset.name, [`bin/${target.binary}`, target.binary], {
      kind: 'downloaded',
      host: new URL(asset.url).host,
    });
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    releaseFailure = error;
  }

  if (req.checksum) {
    throw new UserError(
      `The depot CLI could not be downloaded: ${messageOf(releaseFailure)}`,
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
    const download = await downloadNpm(req, release, workDir);
    return await install(release.version, download, basename(release.tarball), [npmBinaryEntry(target)], {
      kind: 'npm',
      registry: redactUrl(release.registry.url),
    });
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    throw new UserError(
      `The depot CLI could not be downloaded: ${messageOf(releaseFailure)} npm registry: ${messageOf(error)}`,
      DOWNLOAD_HINT,
    );
  }
}
