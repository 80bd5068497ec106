import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { UserError } from '../errors';
import type { CommandLine } from '../plan/types';
import { BuildOutputReader } from '../report/problems';
import { EngineOutputFile, RELAY_INTERVAL_MS } from './output-file';
import { WholeLines } from './whole-lines';

/** Where the engine's output goes: its stdout and stderr together, in the order written. */
export interface OutputSink {
  /** Passes a chunk on to the job log. */
  write(chunk: Buffer): void;
  /** The directory for the file the output passes through (the CI's temp directory). */
  dir: string;
}

export interface RunResult {
  exitCode: number;
  /** Signal that ended the engine, if any (it was cancelled). */
  signal?: NodeJS.Signals;
  /** The engine's last lines of output (stdout and stderr), for diagnosis. */
  tail: string[];
  /** From the CLI's `[depot] build: <url>` line. */
  buildUrl?: string;
  durationMs: number;
  /** The engine showed no sign of building within the watch timeout and was stopped. */
  stalled?: boolean;
  /**
   * The step was cancelled (the CI sent it this signal) and passed the signal on to the engine:
   * whatever the engine then exits with is not a failure of the build, and nothing may follow it.
   */
  cancelled?: NodeJS.Signals;
  /**
   * The whole output, read as it streamed (steps and problems, not the log itself), for the
   * summary and annotations: `progressSummary`/`readBuildProblems` need more than the tail.
   */
  output?: BuildOutputReader;
}

/** Stops the engine if no output line matches `ready` within `timeoutMs` (no builder came up). */
export interface StartWatch {
  ready: RegExp;
  timeoutMs: number;
}

const TAIL_LINES = 400;
/** How much of the output still unread when the engine stops after a cancel is relayed. */
const KEEP_AFTER_CANCEL = 1024 * 1024;
// The depot CLI prints the link as a progress step of its own, `#1 [depot] build: <url>` (or
// without the `#N`). A build's own output is `#N <seconds> <text>` and a step's name starts with
// its stage (`#6 [2/3] RUN ...`), so a Dockerfile cannot set the link by echoing one.
const BUILD_URL = /^(?:#\d+ )?\[depot\] build: (https?:\/\/\S+)$/;

/** Keeps the last lines of a stream without holding the whole log in memory. */
class LineTail {
  readonly lines: string[] = [];
  private readonly whole = new WholeLines();
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer): void {
    const text = this.whole.push(chunk);
    if (text) for (const line of text.slice(0, -1).split(/\r?\n/)) this.add(line);
  }
  end(): void {
    const rest = this.whole.rest();
    if (rest) this.add(rest);
  }
  private add(line: string): void {
    this.onLine(line);
    this.lines.push(line);
    if (this.lines.length > TAIL_LINES) this.lines.shift();
  }
}

/**
 * Runs an engine's command line without a shell, relaying its output as it comes (see
 * EngineOutputFile), and forwards SIGINT and SIGTERM so cancelling the job stops the build instead
 * of orphaning it. Output the engine leaves to a process that outlives it is not waited for.
 */
export function runCommand(
  plan: CommandLine,
  baseEnv: Record<string, string | undefined>,
  sink: OutputSink,
  watch?: StartWatch,
): Promise<RunResult> {
  const started = Date.now();
  let buildUrl: string | undefined;
  let ready = !watch;
  let stalled = false;
  const output = new BuildOutputReader();
  const tail = new LineTail((line) => {
    output.push(line);
    buildUrl ??= BUILD_URL.exec(line)?.[1];
    ready ||= Boolean(watch?.ready.test(line));
  });
  return new Promise((resolve, reject) => {
    const file = EngineOutputFile.open(sink.dir);
    const relay = (chunk: Buffer): void => {
      sink.write(chunk);
      tail.push(chunk);
    };
    let child: ChildProcess;
    try {
      child = spawn(plan.command, plan.args, {
        cwd: plan.cwd,
        env: { ...baseEnv, ...plan.env },
        stdio: ['inherit', file.fd, file.fd],
      });
    } catch (error) {
      file.close();
      throw error;
    }
    // A pass that stopped at its limit goes on at once; detach cancels that once the engine is gone.
    let next: NodeJS.Immediate | undefined;
    const pass = (): void => {
      next = file.read(relay) ? undefined : setImmediate(pass);
    };
    const relaying = setInterval(pass, RELAY_INTERVAL_MS);
    const timer = watch
      ? setTimeout(() => {
          if (ready) return;
          stalled = true;
          child.kill('SIGTERM');
        }, watch.timeoutMs)
      : undefined;
    let cancelled: NodeJS.Signals | undefined;
    const forward = (signal: NodeJS.Signals) => () => {
      cancelled ??= signal;
      child.kill(signal);
    };
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    let detached = false;
    // Both 'error' and 'close' may come; the output file is read to its end and closed once.
    const detach = (): void => {
      if (detached) return;
      detached = true;
      clearInterval(relaying);
      if (next) clearImmediate(next);
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      // The engine is not held back by a slow reader: one that wrote faster than the log takes it
      // may leave gigabytes unread, and a cancelled step has seconds to stop, not minutes.
      const skipped = cancelled ? file.skipAllBut(KEEP_AFTER_CANCEL) : 0;
      if (skipped) relay(Buffer.from(`\n[${skipped} bytes of output skipped: the step was cancelled]\n`));
      file.readRest(relay);
      file.close();
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      detach();
      reject(error.code === 'ENOENT' ? cannotStart(plan) : error);
    });
    child.on('close', (code, signal) => {
      detach();
      tail.end();
      resolve({
        exitCode: code ?? (signal ? 128 + signalNumber(signal) : 1),
        signal: signal ?? undefined,
        tail: tail.lines,
        buildUrl,
        durationMs: Date.now() - started,
        ...(stalled ? { stalled } : {}),
        ...(cancelled ? { cancelled } : {}),
        output,
      });
    });
  });
}

/** spawn reports a missing working directory as the command's ENOENT: says which it was. */
function cannotStart(plan: CommandLine): UserError {
  return existsSync(plan.cwd)
    ? new UserError(
        `Cannot run ${plan.command}: it does not exist or is not executable.`,
        'Check PATH and the setup step.',
      )
    : new UserError(
        `The working directory ${plan.cwd} does not exist.`,
        'Check the checkout step and the context, source or workdir inputs.',
      );
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : signal === 'SIGKILL' ? 9 : 1;
}

/** Runs a short command and returns its stdout, or undefined if it cannot run (used for `--version`). */
export function captureOutput(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => resolve(code === 0 ? Buffer.concat(chunks).toString('utf8') : undefined));
  });
}
