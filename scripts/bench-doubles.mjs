// The local services and floors of the bench's cold steps (see scripts/bench.mjs): a release host
// serving a ~40 MB depot CLI archive on 127.0.0.1 inside the bench process. It counts what it
// answered during the current run, so the bench can refuse a run that skipped the download it is
// meant to measure, and records when the archive's last byte was handed to the socket
// (process.hrtime.bigint(), the clock the bench times the runs with).
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';

/** A problem with the bench or a run it measured: printed as one message, the bench exits 2. */
export class BenchError extends Error {}

export const COLD_VERSION = '2.102.12';
const COLD_ASSET = `depot_${COLD_VERSION}_linux_amd64.tar.gz`;

/**
 * setup-cold: a cold install of the ~40 MB archive, the tool cache emptied before every run. Its
 * floor is the minimum any installer does: node downloading the archive to a file, `tar xzf`, and
 * copying the binary into a cache directory.
 */
export async function coldInstall({ dir, env, toolCache }) {
  const run = newRunRecord();
  const release = await startRelease(await releaseFiles(dir), run);
  env['INPUT_DOWNLOAD-URL'] = release.url;
  const floorScript = join(dir, 'cold-floor.mjs');
  await writeFile(
    floorScript,
    `${FLOOR_IMPORTS}
${installSnippet(release.archiveUrl)}
appendFileSync(process.env.GITHUB_OUTPUT, 'path=' + binary + '\\n');
`,
  );
  return {
    floorScript,
    beforeRun: () => rm(join(toolCache, 'depot'), { recursive: true, force: true }),
    ...checkedRuns(run, { archives: 1 }),
    cleanup: release.close,
  };
}

const FLOOR_IMPORTS = `import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { get as download } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';`;

/** Floor code that downloads, unpacks and stores the archive; leaves the stored path in `binary`. */
function installSnippet(archiveUrl) {
  return `const work = join(process.env.RUNNER_TEMP, 'floor');
const cache = join(process.env.RUNNER_TOOL_CACHE, 'floor');
rmSync(work, { recursive: true, force: true });
rmSync(cache, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
mkdirSync(cache, { recursive: true });
const response = await new Promise((done, fail) => download(${JSON.stringify(archiveUrl)}, done).on('error', fail));
await pipeline(response, createWriteStream(join(work, 'a.tar.gz')));
if (spawnSync('tar', ['xzf', join(work, 'a.tar.gz'), '-C', work]).status !== 0) process.exit(1);
const binary = join(cache, 'depot');
copyFileSync(join(work, 'bin', 'depot'), binary);
rmSync(work, { recursive: true, force: true });`;
}

const PHASES = { archives: 'archive download(s)' };

/** What the doubles answered during the current run (of a step or of its floor). */
function newRunRecord() {
  return { archives: 0, refused: [], lastByteAt: undefined };
}

/**
 * The per-run hooks the bench calls around every run: `startRun` clears the record; `endRun` fails
 * the bench when the run skipped a phase it must do (a benchmark of the wrong thing is worse than
 * none) and returns when the archive's last byte was written.
 */
function checkedRuns(run, expected) {
  return {
    startRun: () => Object.assign(run, newRunRecord()),
    endRun: (label) => {
      if (run.refused.length > 0)
        throw new BenchError(`${label}: the doubles refused ${run.refused.join('; ')}`);
      for (const [what, count] of Object.entries(expected)) {
        if (run[what] !== count)
          throw new BenchError(`${label}: expected ${count} ${PHASES[what]} in one run, saw ${run[what]}`);
      }
      return { lastByteAt: run.lastByteAt };
    },
  };
}

/**
 * A goreleaser-shaped release of about 40 MB, built once per bench: bin/depot is a script that
 * answers `--version` (which the installer runs once) and exits 0 for anything else;
 * incompressible filler after it makes the archive as large as the binary.
 */
let releaseCache;
async function releaseFiles(dir) {
  if (process.arch !== 'x64' || process.platform !== 'linux')
    throw new BenchError('the cold steps serve a linux/x64 archive; run them on linux/x64');
  if (releaseCache) return releaseCache;
  const stage = join(dir, 'cold-release');
  await mkdir(join(stage, 'bin'), { recursive: true });
  const script = Buffer.from(
    `#!/bin/sh\nif [ "$1" = --version ]; then echo "depot version ${COLD_VERSION} (bench)"; fi\nexit 0\n`,
  );
  await writeFile(join(stage, 'bin', 'depot'), Buffer.concat([script, randomBytes(40 * 1024 * 1024)]));
  await chmod(join(stage, 'bin', 'depot'), 0o755);
  const archivePath = join(dir, COLD_ASSET);
  const tar = spawnSync('tar', ['czf', archivePath, '-C', stage, 'bin'], { stdio: 'inherit' });
  if (tar.status !== 0) throw new BenchError('tar czf failed while preparing the cold release');
  const archive = await readFile(archivePath);
  await rm(stage, { recursive: true, force: true });
  await rm(archivePath, { force: true });
  const checksums = `${createHash('sha256').update(archive).digest('hex')}  ${COLD_ASSET}\n`;
  releaseCache = { archive, checksums };
  return releaseCache;
}

/** Serves the archive and checksums.txt under `/v<version>/`. */
async function startRelease({ archive, checksums }, run) {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === `/v${COLD_VERSION}/${COLD_ASSET}`) {
      run.archives++;
      res.on('finish', () => {
        run.lastByteAt = process.hrtime.bigint();
      });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': archive.length });
      res.end(archive);
    } else if (req.method === 'GET' && req.url === `/v${COLD_VERSION}/checksums.txt`) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(checksums);
    } else {
      run.refused.push(`release host: ${req.method} ${req.url} (404)`);
      res.writeHead(404).end();
    }
  });
  const url = await listen(server);
  return { url, archiveUrl: `${url}/v${COLD_VERSION}/${COLD_ASSET}`, close: () => close(server) };
}

async function listen(server) {
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${server.address().port}`;
}

function close(server) {
  server.closeAllConnections();
  return new Promise((done) => server.close(done));
}
