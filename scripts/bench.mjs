#!/usr/bin/env node
// The benchmark the project reports: wall time and peak RSS of an action's main step, run the way
// the GitHub runner runs it, against a floor (node spawning the same instant-exit engine stub and
// writing one output line). The ratio step/floor is what we budget, so machine speed cancels out.
// The cold steps bring their own floors and local doubles (scripts/bench-doubles.mjs): setup-cold
// also reports the time from the archive's last byte to the process's exit, the part of a cold
// install that is ours (verify, unpack, store) rather than the network's.
//
// Usage: node scripts/bench.mjs [--runs N] [--check] [--step NAME] [--action-dir DIR]
//                               [--input name=value]... [--memory time|preload] [--json FILE]
//                               [--esm-floor]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { BenchError, COLD_VERSION, coldBuildPush, coldInstall } from './bench-doubles.mjs';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET = { wall: 1.3, memory: 1.3 };
const WARMUPS = 2;
const MIN_RUNS = 10;
const GNU_TIME = '/usr/bin/time';

/**
 * Measured steps. Each runs `runs.main` of `actions/<action>` with `inputs` (plus action.yml
 * defaults), `env`, and whatever `prepare({ dir, env, runnerTemp, toolCache, workspace })` sets
 * up once before warm-up (e.g. a warm tool cache for the `setup` step; it may also change `env`).
 * `prepare` may return `{ floorScript, beforeRun, startRun, endRun, cleanup }`: a floor of its own,
 * an untimed reset before each run of the step, untimed hooks around every run of the step or its
 * floor (`endRun(label)` throws when the run skipped what it is meant to measure, and returns
 * `{ lastByteAt }`, when a download's last byte was written), and what to stop at the end.
 * `budget` overrides the default budget; a budget `afterLastByte` adds that row to the table.
 */
const STEPS = [
  {
    name: 'build-push',
    action: 'build-push',
    inputs: { tags: 'example/app:1', push: 'false', project: 'abc', token: 'bench-token' },
    env: {},
    prepare: undefined,
  },
  {
    // A pinned version already in the tool cache: no request, no download code loaded.
    name: 'setup',
    action: 'setup',
    inputs: { version: '2.102.12' },
    env: {},
    prepare: async ({ toolCache }) => {
      const dir = join(toolCache, 'depot', '2.102.12', process.arch);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'depot'), '#!/bin/sh\necho "depot version 2.102.12"\n');
      await chmod(join(dir, 'depot'), 0o755);
      await writeFile(`${dir}.complete`, '');
    },
  },
  {
    // A cold install of a ~40 MB archive from a local release double (checksums.txt next to it),
    // the tool cache emptied before every run; floor: download, `tar xzf`, copy. "After last
    // byte" is exit time minus when the archive's last byte was written: verifying, unpacking and
    // storing must cost no more than the floor's `tar xzf` and copy.
    name: 'setup-cold',
    action: 'setup',
    inputs: { version: COLD_VERSION },
    env: { DEPOT_INSTALL_RETRY_DELAY_MS: '10' },
    budget: { wall: 1.3, memory: 2, afterLastByte: 1 },
    prepare: coldInstall,
  },
  {
    // build-push with no depot on PATH, an empty tool cache and GitHub OIDC credentials: the
    // Depot exchange (answered after 800 ms) and the CLI download (sent over 800 ms) run at once.
    // Floor: the same two phases one after the other, then the engine. Under 0.8x proves overlap:
    // without it the step would pay their sum plus its own overheads, above the floor.
    name: 'build-push-cold',
    action: 'build-push',
    inputs: { tags: 'example/app:1', push: 'false', project: 'abc' },
    env: {
      DEPOT_INSTALL_RETRY_DELAY_MS: '10',
      DEPOT_NO_UPDATE_NOTIFIER: '1',
      DEPOT_ERROR_TELEMETRY: '0',
      DEPOT_DISABLE_OTEL: '1',
    },
    budget: { wall: 0.8, memory: 2 },
    prepare: coldBuildPush,
  },
];

// CommonJS, the cheapest way Node starts a script: as an ES module the floor would also pay Node's
// ES module loader (~4.7 ms on Node 20), which a step bundled as CommonJS does not.
const FLOOR_SCRIPT = `const { spawn } = require('node:child_process');
const { appendFileSync } = require('node:fs');
const child = spawn('depot', ['build', '.'], { stdio: 'inherit' });
child.on('exit', (code) => {
  appendFileSync(process.env.GITHUB_OUTPUT, 'imageid=sha256:0\\n');
  process.exitCode = code ?? 1;
});
`;

// The hot steps' floor as an ES module, as the bench measured before dist/ became CommonJS
// (--esm-floor): for comparing with figures taken then.
const ESM_FLOOR_SCRIPT = `import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
${FLOOR_SCRIPT.split('\n').slice(2).join('\n')}`;

const RSS_PRELOAD = `import { writeFileSync } from 'node:fs';
process.on('exit', () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));
`;

async function main() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '15' },
      check: { type: 'boolean', default: false },
      step: { type: 'string', multiple: true },
      'action-dir': { type: 'string' },
      input: { type: 'string', multiple: true },
      memory: { type: 'string' },
      json: { type: 'string' },
      'esm-floor': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      'node scripts/bench.mjs [--runs N] [--check] [--step NAME] [--action-dir DIR] [--input name=value]... ' +
        '[--memory time|preload] [--json FILE] [--esm-floor]',
    );
    return 0;
  }
  const runs = Number.parseInt(values.runs, 10);
  if (!Number.isInteger(runs) || runs < 1)
    throw new BenchError(`--runs must be a positive integer, got ${values.runs}`);
  if (runs < MIN_RUNS) {
    if (values.check) throw new BenchError(`--check needs at least ${MIN_RUNS} runs`);
    console.warn(`warning: ${runs} runs is below the ${MIN_RUNS} needed for a reportable result`);
  }
  const memoryMethod = values.memory ?? (gnuTimeWorks() ? 'time' : 'preload');
  if (memoryMethod !== 'time' && memoryMethod !== 'preload')
    throw new BenchError(`--memory must be time or preload`);
  if (memoryMethod === 'time' && !gnuTimeWorks())
    throw new BenchError(`${GNU_TIME} -f %M is not usable here`);

  const selected = values.step ? STEPS.filter((s) => values.step.includes(s.name)) : STEPS;
  if (selected.length === 0)
    throw new BenchError(`no step named ${values.step.join(', ')}; have ${STEPS.map((s) => s.name)}`);

  console.log(
    `node ${process.version}, ${runs} runs interleaved after ${WARMUPS} warm-ups, memory via ${
      memoryMethod === 'time' ? `${GNU_TIME} -f %M` : 'preload process.resourceUsage().maxRSS'
    }`,
  );
  const extraInputs = {};
  for (const pair of values.input ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new BenchError(`--input expects name=value, got ${pair}`);
    extraInputs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const results = [];
  for (const step of selected) {
    const actionDir = values['action-dir']
      ? resolve(values['action-dir'])
      : join(REPO_ROOT, 'actions', step.action);
    if (values['action-dir'])
      console.log(`${step.name}: measuring ${actionDir} instead of actions/${step.action}`);
    const inputs = { ...step.inputs, ...extraInputs };
    results.push(await benchStep({ ...step, inputs }, actionDir, runs, memoryMethod, values['esm-floor']));
  }

  printTable(results);
  if (values.json)
    await writeFile(
      values.json,
      `${JSON.stringify({ budget: BUDGET, runs, memoryMethod, results }, null, 2)}\n`,
    );
  const failed = results.filter((r) => !r.withinBudget);
  if (values.check && failed.length > 0) {
    console.error(`outside budget: ${failed.map((r) => r.name).join(', ')}`);
    return 1;
  }
  return 0;
}

/** True if GNU time exists and reports %M (KiB) to a file. */
let gnuTimeCache;
function gnuTimeWorks() {
  if (gnuTimeCache === undefined) {
    const probe = spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' });
    gnuTimeCache = probe.status === 0 && /^\d+\s*$/.test(probe.stderr);
  }
  return gnuTimeCache;
}

async function readManifest(actionDir) {
  const file = join(actionDir, 'action.yml');
  if (!existsSync(file))
    throw new BenchError(`${file} not found (is the action written yet? or pass --action-dir)`);
  const doc = parseYaml(await readFile(file, 'utf8'));
  const main = doc?.runs?.main;
  if (typeof main !== 'string') throw new BenchError(`${file}: runs.main missing`);
  const mainPath = resolve(actionDir, main);
  if (!existsSync(mainPath)) {
    throw new BenchError(
      `${mainPath} not found: run \`npm run build\` first (or pass --action-dir to bench another action)`,
    );
  }
  return { mainPath, inputs: doc.inputs ?? {} };
}

/** Mirrors the runner: given inputs win, else the declared default ('' if none), `${{ github.* }}` evaluated. */
function inputEnv(declared, given, github) {
  const env = {};
  const name = (key) => `INPUT_${key.replace(/ /g, '_').toUpperCase()}`;
  for (const [key, value] of Object.entries(given)) env[name(key)] = value;
  for (const [key, spec] of Object.entries(declared)) {
    if (name(key) in env) continue;
    const def = spec?.default;
    env[name(key)] = String(def ?? '').replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_m, expr) => {
      const value = github[expr];
      if (value === undefined)
        throw new BenchError(`unsupported expression \${{ ${expr} }} in default of ${key}`);
      return value;
    });
  }
  return env;
}

async function benchStep(step, actionDir, runs, memoryMethod, esmFloor = false) {
  const { mainPath, inputs } = await readManifest(actionDir);
  const dir = await mkdtemp(join(tmpdir(), `depot-bench-${step.name}-`));
  let cleanup;
  try {
    const bin = join(dir, 'bin');
    const runnerTemp = join(dir, 'runner-temp');
    const toolCache = join(dir, 'tool-cache');
    const workspace = join(dir, 'workspace');
    const home = join(dir, 'home');
    await Promise.all(
      [bin, runnerTemp, toolCache, workspace, home].map((d) => mkdir(d, { recursive: true })),
    );
    await writeFile(join(bin, 'depot'), '#!/bin/sh\nexit 0\n');
    await chmod(join(bin, 'depot'), 0o755);
    const floorScript = join(dir, esmFloor ? 'floor.mjs' : 'floor.cjs');
    await writeFile(floorScript, esmFloor ? ESM_FLOOR_SCRIPT : FLOOR_SCRIPT);
    const preload = join(dir, 'rss-preload.mjs');
    await writeFile(preload, RSS_PRELOAD);
    const eventPath = join(dir, 'event.json');
    await writeFile(
      eventPath,
      JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'example/app' } }),
    );

    const github = {
      'github.token': 'bench-github-token',
      'github.repository': 'example/app',
      'github.repository_owner': 'example',
      'github.sha': '0123456789abcdef0123456789abcdef01234567',
      'github.ref': 'refs/heads/main',
      'github.ref_name': 'main',
      'github.event_name': 'push',
      'github.run_id': '1',
      'github.run_attempt': '1',
      'github.server_url': 'https://github.com',
      'github.api_url': 'https://api.github.com',
      'github.workspace': workspace,
    };
    const files = {
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STATE: join(dir, 'state'),
      GITHUB_ENV: join(dir, 'env'),
      GITHUB_PATH: join(dir, 'path'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    };
    const env = {
      PATH: [bin, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(delimiter),
      HOME: home,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_TEMP: runnerTemp,
      RUNNER_TOOL_CACHE: toolCache,
      GITHUB_WORKSPACE: workspace,
      GITHUB_REPOSITORY: github['github.repository'],
      GITHUB_REPOSITORY_OWNER: github['github.repository_owner'],
      GITHUB_SHA: github['github.sha'],
      GITHUB_REF: github['github.ref'],
      GITHUB_EVENT_NAME: github['github.event_name'],
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_RUN_ID: github['github.run_id'],
      GITHUB_RUN_ATTEMPT: github['github.run_attempt'],
      GITHUB_SERVER_URL: github['github.server_url'],
      GITHUB_API_URL: github['github.api_url'],
      GITHUB_ACTION_PATH: actionDir,
      ...files,
      ...inputEnv(inputs, step.inputs ?? {}, github),
      ...step.env,
    };
    const prepared = step.prepare
      ? await step.prepare({ dir, env, runnerTemp, toolCache, workspace, actionDir })
      : undefined;
    cleanup = prepared?.cleanup;

    const budget = { ...BUDGET, ...step.budget };
    const tracksLastByte = budget.afterLastByte !== undefined;
    const ctx = { env, files, workspace, memoryMethod, preload, rssFile: join(dir, 'rss'), tracksLastByte };
    const hooks = { startRun: prepared?.startRun, endRun: prepared?.endRun };
    const floor = { label: `${step.name} floor`, script: prepared?.floorScript ?? floorScript, ...hooks };
    const target = { label: step.name, script: mainPath, beforeRun: prepared?.beforeRun, ...hooks };
    for (let i = 0; i < WARMUPS; i++) {
      await measureWall(floor, ctx);
      await measureWall(target, ctx);
    }
    const samples = { floorWall: [], stepWall: [], floorRss: [], stepRss: [] };
    if (tracksLastByte) Object.assign(samples, { floorAfterLastByte: [], stepAfterLastByte: [] });
    for (let i = 0; i < runs; i++) {
      const floorRun = await measureWall(floor, ctx);
      const stepRun = await measureWall(target, ctx);
      samples.floorWall.push(floorRun.ms);
      samples.stepWall.push(stepRun.ms);
      if (tracksLastByte) {
        samples.floorAfterLastByte.push(floorRun.afterLastByteMs);
        samples.stepAfterLastByte.push(stepRun.afterLastByteMs);
      }
      samples.floorRss.push(await measureRss(floor, ctx));
      samples.stepRss.push(await measureRss(target, ctx));
    }
    const wall = { floor: median(samples.floorWall), step: median(samples.stepWall) };
    const memory = { floor: median(samples.floorRss), step: median(samples.stepRss) };
    const wallRatio = wall.step / wall.floor;
    const memoryRatio = memory.step / memory.floor;
    const result = {
      name: step.name,
      actionDir,
      wallMs: wall,
      maxRssKiB: memory,
      wallRatio,
      memoryRatio,
      budget,
      withinBudget: wallRatio <= budget.wall && memoryRatio <= budget.memory,
      samples,
    };
    if (tracksLastByte) {
      // Exit minus the archive's last byte: what the step does with a download the network is done with.
      const after = { floor: median(samples.floorAfterLastByte), step: median(samples.stepAfterLastByte) };
      result.afterLastByteMs = after;
      result.afterLastByteRatio = after.step / after.floor;
      result.withinBudget &&= result.afterLastByteRatio <= budget.afterLastByte;
    }
    return result;
  } finally {
    await cleanup?.();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Fresh file-command files per run, as each runner step gets. Not timed. */
async function resetFiles(files) {
  await Promise.all(Object.values(files).map((f) => writeFile(f, '')));
}

/**
 * Spawns, collects output, fails loudly on a non-zero exit (a failing step is not a benchmark).
 * Resolves with the wall time and the exit's process.hrtime.bigint().
 */
function runChild(command, args, target, ctx, env = ctx.env) {
  return new Promise((resolvePromise, reject) => {
    const chunks = [];
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: ctx.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const exitedAt = process.hrtime.bigint();
      const ms = Number(exitedAt - started) / 1e6;
      if (code === 0) return resolvePromise({ ms, exitedAt });
      const output = Buffer.concat(chunks).toString('utf8').trim().split('\n').slice(-20).join('\n');
      reject(new BenchError(`${target.label} exited with ${code ?? signal}:\n${output}`));
    });
  });
}

/** One timed run: its wall time, and the time from its download's last byte to its exit, if tracked. */
async function measureWall(target, ctx) {
  await resetFiles(ctx.files);
  await target.beforeRun?.();
  target.startRun?.();
  const { ms, exitedAt } = await runChild(process.execPath, [target.script], target, ctx);
  const lastByteAt = target.endRun?.(target.label)?.lastByteAt;
  if (!ctx.tracksLastByte) return { ms };
  if (lastByteAt === undefined) throw new BenchError(`${target.label}: no download's last byte was recorded`);
  return { ms, afterLastByteMs: Number(exitedAt - lastByteAt) / 1e6 };
}

async function measureRss(target, ctx) {
  await resetFiles(ctx.files);
  await target.beforeRun?.();
  await rm(ctx.rssFile, { force: true });
  target.startRun?.();
  if (ctx.memoryMethod === 'time') {
    await runChild(GNU_TIME, ['-f', '%M', '-o', ctx.rssFile, process.execPath, target.script], target, ctx);
  } else {
    const args = ['--import', pathToFileURL(ctx.preload).href, target.script];
    await runChild(process.execPath, args, target, ctx, { ...ctx.env, BENCH_RSS_FILE: ctx.rssFile });
  }
  target.endRun?.(target.label);
  const kib = Number.parseInt((await readFile(ctx.rssFile, 'utf8')).trim().split('\n').pop(), 10);
  if (!Number.isFinite(kib)) throw new BenchError(`could not read max RSS for ${target.label}`);
  return kib;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function printTable(results) {
  const rows = [['step', 'metric', 'floor', 'step', 'ratio', 'budget', '']];
  const row = (r, metric, { floor, step }, ratio, budget, unit = (v) => `${v.toFixed(1)} ms`) =>
    rows.push([
      r.name,
      metric,
      unit(floor),
      unit(step),
      `${ratio.toFixed(2)}x`,
      `${budget.toFixed(2)}x`,
      ratio <= budget ? 'ok' : 'OVER',
    ]);
  const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
  for (const r of results) {
    row(r, 'wall (median)', r.wallMs, r.wallRatio, r.budget.wall);
    row(r, 'max RSS (median)', r.maxRssKiB, r.memoryRatio, r.budget.memory, mib);
    if (r.afterLastByteMs)
      row(r, 'after last byte (median)', r.afterLastByteMs, r.afterLastByteRatio, r.budget.afterLastByte);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`bench: ${error instanceof BenchError ? error.message : (error?.stack ?? error)}`);
    process.exitCode = 2;
  },
);
