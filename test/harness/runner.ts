/**
 * Runs a bundled GitHub JavaScript action as a real child process, the way the GitHub runner does:
 * INPUT_* env from action.yml (defaults and `${{ github.* }}` expressions evaluated), file-command
 * files, a post step that receives STATE_* from main, and workflow commands parsed off stdout/stderr.
 * Contract tests use this instead of importing the action so they exercise exactly what ships.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

/** Repository root, resolved from this file so tests work from any cwd. */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The parts of the `github` context the runner exposes to actions via env and expressions. */
export interface GithubContext {
  repository: string;
  sha: string;
  ref: string;
  eventName: string;
  /** Written to the file named by GITHUB_EVENT_PATH. */
  event: Record<string, unknown>;
  runId: string;
  runAttempt: string;
  runNumber: string;
  serverUrl: string;
  apiUrl: string;
  actor: string;
  workflow: string;
  job: string;
  /** Value of `${{ github.token }}`; never put into env by the runner unless an input default uses it. */
  token: string;
}

export interface RunActionOptions {
  /** Inputs as a workflow `with:` block would pass them (always strings). */
  inputs?: Record<string, string>;
  /** Extra env, applied last; `undefined` removes a key from the base env. */
  env?: Record<string, string | undefined>;
  /** Process cwd, and GITHUB_WORKSPACE unless env overrides it. Default: a fresh dir in the temp dir. */
  cwd?: string;
  githubContext?: Partial<GithubContext>;
  /** Run the post step if action.yml declares one. Default true. */
  post?: boolean;
  /** Per-step kill timeout (SIGKILL). Default 45s. */
  timeoutMs?: number;
  /** Directories put in front of PATH (e.g. the engine stub dir). */
  prependPath?: string[];
  /** Use this action directory instead of `actions/<name>` (fixtures). */
  actionDir?: string;
}

export interface StepResult {
  /** null when the process was killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  level: AnnotationLevel;
  message: string;
  title?: string;
}

export interface ActionResult {
  main: StepResult;
  post?: StepResult;
  /** From main's GITHUB_OUTPUT. */
  outputs: Record<string, string>;
  /** From main's GITHUB_STATE (what post received as STATE_*). */
  state: Record<string, string>;
  /** From main's GITHUB_ENV. */
  env: Record<string, string>;
  /** From main's GITHUB_PATH, in file order. */
  path: string[];
  /** Main's GITHUB_STEP_SUMMARY content. */
  summary: string;
  /** Post's GITHUB_STEP_SUMMARY content ('' when post did not run). */
  postSummary: string;
  /** `::add-mask::` values from both steps. */
  masks: string[];
  annotations: Annotation[];
  /** `::group::` titles, in order. */
  groups: string[];
  debug: string[];
  /** Env the main step ran with (for assertions about what the runner passed). */
  processEnv: Record<string, string>;
  tempDir: string;
  /** Runner-style warnings, e.g. "Unexpected input(s)". */
  warnings: string[];
  /** Removes tempDir. */
  cleanup(): Promise<void>;
}

interface ActionManifest {
  inputs: Map<string, { default?: string }>;
  main: string;
  post?: string;
}

interface StepFiles {
  GITHUB_OUTPUT: string;
  GITHUB_STATE: string;
  GITHUB_ENV: string;
  GITHUB_PATH: string;
  GITHUB_STEP_SUMMARY: string;
}

interface ParsedCommands {
  masks: string[];
  annotations: Annotation[];
  groups: string[];
  debug: string[];
}

const DEFAULT_CONTEXT: GithubContext = {
  repository: 'depot-test/example',
  sha: '0123456789abcdef0123456789abcdef01234567',
  ref: 'refs/heads/main',
  eventName: 'push',
  event: {},
  runId: '1234567890',
  runAttempt: '1',
  runNumber: '7',
  serverUrl: 'https://github.com',
  apiUrl: 'https://api.github.com',
  actor: 'octocat',
  workflow: 'CI',
  job: 'build',
  token: 'ghs_harnessDefaultToken000000000000000000',
};

/** Runs `actions/<name>` (or options.actionDir) main then post, as the GitHub runner would. */
export async function runAction(name: string, options: RunActionOptions = {}): Promise<ActionResult> {
  const actionDir = resolve(options.actionDir ?? join(REPO_ROOT, 'actions', name));
  const manifest = await readManifest(actionDir);
  const ctx: GithubContext = { ...DEFAULT_CONTEXT, ...options.githubContext };
  const warnings: string[] = [];

  const tempDir = await mkdtemp(join(tmpdir(), `depot-harness-${name}-`));
  const home = join(tempDir, 'home');
  const runnerTemp = join(tempDir, 'runner-temp');
  const toolCache = join(tempDir, 'tool-cache');
  const workspace = options.cwd ?? join(tempDir, 'workspace');
  await Promise.all([home, runnerTemp, toolCache, workspace].map((d) => mkdir(d, { recursive: true })));
  const eventPath = join(tempDir, 'event.json');
  await writeFile(eventPath, JSON.stringify(defaultEvent(ctx, options.githubContext?.event)));

  const inputEnv = resolveInputs(manifest, options.inputs ?? {}, ctx, workspace, warnings);
  const basePath = [
    ...(options.prependPath ?? []),
    dirname(process.execPath),
    '/usr/local/bin',
    '/usr/bin',
    '/bin',
  ];
  const baseEnv: Record<string, string> = {
    PATH: basePath.join(delimiter),
    HOME: home,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'harness-runner',
    RUNNER_ENVIRONMENT: 'github-hosted',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: ctx.repository,
    GITHUB_REPOSITORY_OWNER: ctx.repository.split('/')[0] ?? '',
    GITHUB_SHA: ctx.sha,
    GITHUB_REF: ctx.ref,
    GITHUB_REF_NAME: refName(ctx.ref),
    GITHUB_REF_TYPE: ctx.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    GITHUB_EVENT_NAME: ctx.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_RUN_ID: ctx.runId,
    GITHUB_RUN_ATTEMPT: ctx.runAttempt,
    GITHUB_RUN_NUMBER: ctx.runNumber,
    GITHUB_SERVER_URL: ctx.serverUrl,
    GITHUB_API_URL: ctx.apiUrl,
    GITHUB_GRAPHQL_URL: `${ctx.apiUrl}/graphql`,
    GITHUB_ACTOR: ctx.actor,
    GITHUB_WORKFLOW: ctx.workflow,
    GITHUB_JOB: ctx.job,
    GITHUB_ACTION: name,
    GITHUB_ACTION_PATH: actionDir,
  };
  const stepEnv = applyOverrides({ ...baseEnv, ...inputEnv }, options.env);
  const timeoutMs = options.timeoutMs ?? 45_000;

  const mainFiles = await createStepFiles(tempDir, 'main');
  const mainEnv = { ...stepEnv, ...mainFiles };
  const main = await runNode(join(actionDir, manifest.main), workspace, mainEnv, timeoutMs);
  const outputs = parseKeyValueFile(await readFile(mainFiles.GITHUB_OUTPUT, 'utf8'), 'GITHUB_OUTPUT');
  const state = parseKeyValueFile(await readFile(mainFiles.GITHUB_STATE, 'utf8'), 'GITHUB_STATE');
  const env = parseKeyValueFile(await readFile(mainFiles.GITHUB_ENV, 'utf8'), 'GITHUB_ENV');
  const path = parsePathFile(await readFile(mainFiles.GITHUB_PATH, 'utf8'));
  const summary = await readFile(mainFiles.GITHUB_STEP_SUMMARY, 'utf8');
  const commands = parseWorkflowCommands(main.stdout, main.stderr);

  let post: StepResult | undefined;
  let postSummary = '';
  if (manifest.post !== undefined && options.post !== false) {
    // Runner: post-if defaults to always(), GITHUB_ENV/GITHUB_PATH from earlier steps apply, state
    // arrives as STATE_<name>, and every step gets its own file-command files.
    const postFiles = await createStepFiles(tempDir, 'post');
    const jobEnv: Record<string, string> = { ...stepEnv };
    for (const [key, value] of Object.entries(env)) {
      if (key.toUpperCase() === 'NODE_OPTIONS') {
        warnings.push("Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.");
      } else {
        jobEnv[key] = value;
      }
    }
    if (path.length > 0) jobEnv.PATH = [...[...path].reverse(), jobEnv.PATH ?? ''].join(delimiter);
    const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
    post = await runNode(
      join(actionDir, manifest.post),
      workspace,
      { ...jobEnv, ...stateEnv, ...postFiles },
      timeoutMs,
    );
    postSummary = await readFile(postFiles.GITHUB_STEP_SUMMARY, 'utf8');
    const postCommands = parseWorkflowCommands(post.stdout, post.stderr);
    commands.masks.push(...postCommands.masks);
    commands.annotations.push(...postCommands.annotations);
    commands.groups.push(...postCommands.groups);
    commands.debug.push(...postCommands.debug);
  }

  return {
    main,
    ...(post ? { post } : {}),
    outputs,
    state,
    env,
    path,
    summary,
    postSummary,
    ...commands,
    processEnv: mainEnv,
    tempDir,
    warnings,
    cleanup: () => rm(tempDir, { recursive: true, force: true }),
  };
}

/** Everything an action could have leaked a secret into, as one string. */
export function allText(result: ActionResult): string {
  const steps = [result.main, result.post].filter((s): s is StepResult => s !== undefined);
  const records = [result.outputs, result.state, result.env].flatMap((r) =>
    Object.entries(r).map(([k, v]) => `${k}=${v}`),
  );
  return [
    ...steps.flatMap((s) => [s.stdout, s.stderr]),
    ...records,
    ...result.path,
    result.summary,
    result.postSummary,
    ...result.annotations.map((a) => `${a.title ?? ''} ${a.message}`),
    ...result.debug,
    ...result.groups,
  ].join('\n');
}

/** Files (not directories) under dir, as paths relative to dir, sorted; [] if dir does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** `INPUT_<NAME>` as the runner spells it: upper-cased, spaces to `_`, hyphens kept. */
export function inputEnvName(input: string): string {
  return `INPUT_${input.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Evaluates the `${{ github.* }}` expressions allowed in input defaults. Unknown expressions throw
 * so a test notices an action.yml the harness would silently misrepresent.
 */
export function evaluateExpressions(template: string, ctx: GithubContext, workspace = ''): string {
  const values: Record<string, string> = {
    'github.token': ctx.token,
    'github.repository': ctx.repository,
    'github.repository_owner': ctx.repository.split('/')[0] ?? '',
    'github.sha': ctx.sha,
    'github.ref': ctx.ref,
    'github.ref_name': refName(ctx.ref),
    'github.event_name': ctx.eventName,
    'github.run_id': ctx.runId,
    'github.run_attempt': ctx.runAttempt,
    'github.run_number': ctx.runNumber,
    'github.server_url': ctx.serverUrl,
    'github.api_url': ctx.apiUrl,
    'github.actor': ctx.actor,
    'github.workflow': ctx.workflow,
    'github.job': ctx.job,
    'github.workspace': workspace,
  };
  return template.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_match, expr: string) => {
    const value = values[expr];
    if (value === undefined) throw new Error(`harness: unsupported expression \${{ ${expr} }} in action.yml`);
    return value;
  });
}

/**
 * Parses a GITHUB_OUTPUT/STATE/ENV file with the runner's rules: `name=value` when `=` comes
 * first, else `name<<DELIM` heredoc ending at a line equal to DELIM. Later keys win.
 */
export function parseKeyValueFile(content: string, label = 'file command'): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      const key = line.slice(0, eq);
      if (key === '') throw new Error(`${label}: invalid format '${line}': name must not be empty`);
      result[key] = line.slice(eq + 1);
    } else if (heredoc >= 0) {
      const key = line.slice(0, heredoc);
      const delim = line.slice(heredoc + 2);
      if (key === '' || delim === '') throw new Error(`${label}: invalid format '${line}'`);
      const body: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (lines[i] === delim) {
          closed = true;
          break;
        }
        body.push(lines[i] ?? '');
      }
      if (!closed) throw new Error(`${label}: matching delimiter not found '${delim}'`);
      result[key] = body.join('\n');
    } else {
      throw new Error(`${label}: invalid format '${line}'`);
    }
  }
  return result;
}

/** GITHUB_PATH: one directory per line, blank lines ignored. */
export function parsePathFile(content: string): string[] {
  return content.split(/\r?\n/).filter((l) => l.trim() !== '');
}

/**
 * Parses `::command props::data` workflow commands from step output (the runner scans both
 * stdout and stderr), honouring `::stop-commands::TOKEN` … `::TOKEN::`.
 */
export function parseWorkflowCommands(...streams: string[]): ParsedCommands {
  const parsed: ParsedCommands = { masks: [], annotations: [], groups: [], debug: [] };
  for (const stream of streams) {
    let stopToken: string | undefined;
    for (const rawLine of stream.split(/\r?\n/)) {
      const line = rawLine.trimStart();
      const match = /^::([\w-]+)(?: ([^:]*))?::(.*)$/.exec(line);
      if (!match) continue;
      const command = match[1] ?? '';
      const data = unescapeData(match[3] ?? '');
      if (stopToken !== undefined) {
        if (command === stopToken) stopToken = undefined;
        continue;
      }
      const props = parseProperties(match[2] ?? '');
      switch (command) {
        case 'add-mask':
          if (data.trim() !== '') parsed.masks.push(data);
          break;
        case 'error':
        case 'warning':
        case 'notice':
          parsed.annotations.push({
            level: command,
            message: data,
            ...(props.title !== undefined ? { title: props.title } : {}),
          });
          break;
        case 'group':
          parsed.groups.push(data);
          break;
        case 'debug':
          parsed.debug.push(data);
          break;
        case 'stop-commands':
          stopToken = data;
          break;
        default:
          break;
      }
    }
  }
  return parsed;
}

function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function parseProperties(s: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const pair of s.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    props[pair.slice(0, eq)] = unescapeData(pair.slice(eq + 1))
      .replace(/%3A/gi, ':')
      .replace(/%2C/gi, ',');
  }
  return props;
}

async function readManifest(actionDir: string): Promise<ActionManifest> {
  const file = join(actionDir, 'action.yml');
  const doc: unknown = parseYaml(await readFile(file, 'utf8'));
  if (!isRecord(doc) || !isRecord(doc.runs)) throw new Error(`${file}: missing runs`);
  const { using, main, post } = doc.runs;
  if (typeof using !== 'string' || !/^node\d+$/.test(using))
    throw new Error(`${file}: runs.using must be nodeNN`);
  if (typeof main !== 'string') throw new Error(`${file}: runs.main must be a string`);
  if (post !== undefined && typeof post !== 'string') throw new Error(`${file}: runs.post must be a string`);
  const inputs = new Map<string, { default?: string }>();
  if (doc.inputs !== undefined && doc.inputs !== null) {
    if (!isRecord(doc.inputs)) throw new Error(`${file}: inputs must be a mapping`);
    for (const [key, spec] of Object.entries(doc.inputs)) {
      const def = isRecord(spec) ? spec.default : undefined;
      // The runner reads scalars as strings: `default: false` becomes "false".
      inputs.set(key, def === undefined || def === null ? {} : { default: String(def) });
    }
  }
  return { inputs, main, ...(post !== undefined ? { post } : {}) };
}

function resolveInputs(
  manifest: ActionManifest,
  given: Record<string, string>,
  ctx: GithubContext,
  workspace: string,
  warnings: string[],
): Record<string, string> {
  const env: Record<string, string> = {};
  const declared = new Set([...manifest.inputs.keys()].map((k) => k.toLowerCase()));
  const unexpected = Object.keys(given).filter((k) => !declared.has(k.toLowerCase()));
  if (unexpected.length > 0) {
    warnings.push(
      `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${[...manifest.inputs.keys()].join("', '")}']`,
    );
  }
  for (const [key, value] of Object.entries(given)) env[inputEnvName(key)] = value;
  for (const [key, spec] of manifest.inputs) {
    const name = inputEnvName(key);
    // Declared inputs without a default are still set, to '' (runner behaviour).
    if (!(name in env)) env[name] = evaluateExpressions(spec.default ?? '', ctx, workspace);
  }
  return env;
}

function applyOverrides(
  base: Record<string, string>,
  overrides: Record<string, string | undefined> | undefined,
): Record<string, string> {
  const env = { ...base };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

async function createStepFiles(tempDir: string, step: string): Promise<StepFiles> {
  const dir = join(tempDir, 'file-commands', step);
  await mkdir(dir, { recursive: true });
  const files: StepFiles = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_PATH: join(dir, 'path'),
    GITHUB_STEP_SUMMARY: join(dir, 'step-summary'),
  };
  await Promise.all(Object.values(files).map((f: string) => writeFile(f, '')));
  return files;
}

function runNode(
  script: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<StepResult> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolvePromise({
        exitCode,
        signal,
        timedOut,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        durationMs: performance.now() - started,
      });
    });
  });
}

function defaultEvent(
  ctx: GithubContext,
  event: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (event !== undefined) return event;
  const [owner = '', repo = ''] = ctx.repository.split('/');
  return {
    ref: ctx.ref,
    after: ctx.sha,
    repository: { full_name: ctx.repository, name: repo, owner: { login: owner } },
    sender: { login: ctx.actor },
  };
}

function refName(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
