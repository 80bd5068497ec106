// The local services and floors of the bench's cold steps (see scripts/bench.mjs): a release host
// serving a ~40 MB depot CLI archive, GitHub's ID-token service and Depot's OIDC exchange, all on
// 127.0.0.1 inside the bench process. Each double counts what it answered during the current run,
// so the bench can refuse a run that skipped the phase it is meant to measure, and the release host
// records when the archive's last byte was handed to the socket (process.hrtime.bigint(), the clock
// the bench times the runs with).
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { delimiter, join } from 'node:path';

/** A problem with the bench or a run it measured: printed as one message, the bench exits 2. */
export class BenchError extends Error {}

export const COLD_VERSION = '2.102.12';
const COLD_ASSET = `depot_${COLD_VERSION}_linux_amd64.tar.gz`;
const AUDIENCE = 'https://depot.dev';
/** How long Depot's exchange takes to answer, and how long the throttled archive takes to send. */
const PHASE_MS = 800;

/**
 * setup-cold: a cold install of the ~40 MB archive, the tool cache emptied before every run. Its
 * floor is the minimum any installer does: node downloading the archive to a file, `tar xzf`, and
 * copying the binary into a cache directory.
 */
export async function coldInstall({ dir, env, toolCache }) {
  const run = newRunRecord();
  const release = await startRelease(await releaseFiles(dir), run, 0);
  env['INPUT_DOWNLOAD-URL'] = release.url;
  const floorScript = join(dir, 'cold-floor.cjs');
  await writeFile(
    floorScript,
    floorMain(`${installSnippet(release.archiveUrl)}
appendFileSync(process.env.GITHUB_OUTPUT, 'path=' + binary + '\\n');`),
  );
  return {
    floorScript,
    beforeRun: () => rm(join(toolCache, 'depot'), { recursive: true, force: true }),
    ...checkedRuns(run, { archives: 1 }),
    cleanup: release.close,
  };
}

/**
 * build-push-cold: build-push with no depot on PATH, an empty tool cache and credentials from the
 * job's GitHub OIDC identity, so it both exchanges an ID token at Depot (answered after PHASE_MS)
 * and installs the CLI (the archive sent over PHASE_MS). Its floor runs the same two phases one
 * after the other, then the installed binary: what a step without overlap could at best do.
 */
export async function coldBuildPush({ dir, env, toolCache }) {
  const stub = join(dir, 'bin');
  env.PATH = env.PATH.split(delimiter)
    .filter((entry) => entry !== stub)
    .join(delimiter);
  const found = env.PATH.split(delimiter).find((entry) => existsSync(join(entry, 'depot')));
  if (found) throw new BenchError(`build-push-cold needs no depot on PATH, but ${found} has one`);

  const run = newRunRecord();
  const release = await startRelease(await releaseFiles(dir), run, PHASE_MS);
  const github = await startGitHubTokens(run);
  const exchange = await startDepotExchange(github, run, PHASE_MS);
  Object.assign(env, github.env, {
    DEPOT_OIDC_EXCHANGE_URL: exchange.url,
    DEPOT_DOWNLOAD_URL: release.url,
    DEPOT_RELEASE_URL: release.url,
    DEPOT_CLI_VERSION: COLD_VERSION,
  });
  const floorScript = join(dir, 'cold-build-floor.cjs');
  await writeFile(
    floorScript,
    floorMain(`const { spawn } = require('node:child_process');
const { get, request } = require('node:http');
const json = async (res) => {
  const chunks = [];
  for await (const chunk of res) chunks.push(chunk);
  if (res.statusCode !== 200) throw new Error('HTTP ' + res.statusCode + ': ' + Buffer.concat(chunks));
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
};
const idUrl = new URL(process.env.ACTIONS_ID_TOKEN_REQUEST_URL);
idUrl.searchParams.set('audience', ${JSON.stringify(AUDIENCE)});
const headers = { authorization: 'bearer ' + process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN };
const idToken = await json(await new Promise((done, fail) => get(idUrl, { headers }, done).on('error', fail)));
const post = { method: 'POST', headers: { 'content-type': 'application/json' } };
const exchanged = await json(
  await new Promise((done, fail) =>
    request(${JSON.stringify(`${exchange.url}/auth/oidc/github-actions`)}, post, done)
      .on('error', fail)
      .end(JSON.stringify({ token: idToken.value })),
  ),
);
${installSnippet(release.archiveUrl)}
const child = spawn(binary, ['build', '.'], { stdio: 'inherit', env: { ...process.env, DEPOT_TOKEN: exchanged.token } });
child.on('exit', (code) => {
  appendFileSync(process.env.GITHUB_OUTPUT, 'imageid=sha256:0\\n');
  process.exitCode = code ?? 1;
});`),
  );
  return {
    floorScript,
    beforeRun: () => rm(join(toolCache, 'depot'), { recursive: true, force: true }),
    ...checkedRuns(run, { archives: 1, idTokens: 1, exchanges: 1 }),
    cleanup: async () => {
      await Promise.all([release.close(), github.close(), exchange.close()]);
    },
  };
}

/**
 * A floor script: CommonJS like the bundles it is measured against (see FLOOR_SCRIPT in
 * bench.mjs), its body in an async function since CommonJS has no top-level await.
 */
const floorMain = (body) => `const { spawnSync } = require('node:child_process');
const { appendFileSync, copyFileSync, createWriteStream, mkdirSync, rmSync } = require('node:fs');
const { get: download } = require('node:http');
const { join } = require('node:path');
const { pipeline } = require('node:stream/promises');
(async () => {
${body}
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

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

const PHASES = {
  archives: 'archive download(s)',
  idTokens: 'GitHub ID-token request(s)',
  exchanges: 'Depot OIDC exchange(s)',
};

/** What the doubles answered during the current run (of a step or of its floor). */
function newRunRecord() {
  return { archives: 0, idTokens: 0, exchanges: 0, refused: [], lastByteAt: undefined };
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
 * answers `--version` (which the installer runs once) and exits 0 for anything else, so it also
 * serves as the instant engine; incompressible filler after it makes the archive as large as the
 * binary.
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

/** Serves the archive and checksums.txt under `/v<version>/`; over `throttleMs` when given. */
async function startRelease({ archive, checksums }, run, throttleMs) {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === `/v${COLD_VERSION}/${COLD_ASSET}`) {
      run.archives++;
      res.on('finish', () => {
        run.lastByteAt = process.hrtime.bigint();
      });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': archive.length });
      if (throttleMs > 0) sendOver(res, archive, throttleMs);
      else res.end(archive);
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

/** Writes `data` in 40 slices spread over `ms`, as a link of about that bandwidth would deliver it. */
function sendOver(res, data, ms) {
  const slices = 40;
  const size = Math.ceil(data.length / slices);
  const started = Date.now();
  let next = 0;
  const write = () => {
    while (next < slices && !res.destroyed) {
      const due = started + (ms * next) / slices;
      if (Date.now() < due) return void setTimeout(write, due - Date.now());
      const slice = data.subarray(next * size, (next + 1) * size);
      next++;
      if (next === slices) return void res.end(slice);
      if (!res.write(slice)) return void res.once('drain', write);
    }
  };
  write();
}

/**
 * GitHub's ID-token service as the runner exposes it (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN):
 * `GET ?api-version=2.0&audience=A` with `Authorization: bearer <request token>` answers
 * `{count, value}`. The value is a well-formed JWT with the claims GitHub puts in one, unsigned
 * (the exchange double below accepts exactly the tokens issued here instead of checking keys).
 */
async function startGitHubTokens(run) {
  const requestToken = `gh-request-${randomBytes(12).toString('hex')}`;
  const issued = new Set();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refuse = (status, message) => {
      run.refused.push(`ID-token service: ${message} (${status})`);
      json(res, status, { message });
    };
    if (req.method !== 'GET' || url.pathname !== '/github/token') return refuse(404, 'not found');
    if (req.headers.authorization?.replace(/^bearer /i, 'bearer ') !== `bearer ${requestToken}`)
      return refuse(401, 'bad request token');
    if (url.searchParams.get('audience') !== AUDIENCE) return refuse(400, `audience must be ${AUDIENCE}`);
    run.idTokens++;
    const value = unsignedJwt(AUDIENCE);
    issued.add(value);
    json(res, 200, { count: issued.size, value });
  });
  const url = await listen(server);
  return {
    issued,
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `${url}/github/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    },
    close: () => close(server),
  };
}

function unsignedJwt(audience) {
  const now = Math.floor(Date.now() / 1000);
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = {
    iss: 'https://token.actions.githubusercontent.com',
    aud: audience,
    sub: 'repo:example/app:ref:refs/heads/main',
    repository: 'example/app',
    repository_owner: 'example',
    ref: 'refs/heads/main',
    event_name: 'push',
    jti: randomBytes(16).toString('hex'),
    iat: now,
    nbf: now,
    exp: now + 300,
  };
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

/**
 * Depot's GitHub OIDC exchange: `POST /auth/oidc/github-actions {token}` answers, after
 * `delayMs`, `{ok: true, token}` for an ID token the GitHub double issued, 401 for anything else.
 */
async function startDepotExchange(github, run, delayMs) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/auth/oidc/github-actions') {
        run.refused.push(`Depot exchange: ${req.method} ${req.url} (404)`);
        return json(res, 404, { ok: false, error: 'not found' });
      }
      let token;
      try {
        token = JSON.parse(Buffer.concat(chunks).toString('utf8')).token;
      } catch {
        token = undefined;
      }
      if (!github.issued.has(token)) {
        run.refused.push('Depot exchange: a token the ID-token service did not issue (401)');
        return json(res, 401, { ok: false, error: 'invalid token' });
      }
      run.exchanges++;
      setTimeout(
        () => json(res, 200, { ok: true, token: `depot_org_${randomBytes(16).toString('hex')}` }),
        delayMs,
      );
    });
  });
  return { url: await listen(server), close: () => close(server) };
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function listen(server) {
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${server.address().port}`;
}

function close(server) {
  server.closeAllConnections();
  return new Promise((done) => server.close(done));
}
