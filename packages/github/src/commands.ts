import { appendFileSync, closeSync, openSync, readSync, writeSync } from 'node:fs';

// The runner's workflow-command protocol, written here instead of importing @actions/core: that
// module loads its HTTP client on import, which alone costs more start-up time than our budget.
// Escaping rules: actions/toolkit packages/core/src/command.ts.

/** Line ending of file commands (the runner accepts the platform's own). */
export const EOL = process.platform === 'win32' ? '\r\n' : '\n';

/** Escapes a workflow command's message. */
export const escapeData = (s: string): string =>
  s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
/** Escapes a workflow command's property value. */
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/**
 * Writes to the job log (stdout) synchronously, without process.stdout: creating that stream
 * object costs a step more start-up time than everything it prints. The runner's pipe is
 * blocking; should it ever be non-blocking, a full pipe (EAGAIN) is waited out, not lost.
 */
function writeSyncOut(data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset, bytes.length - offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(PAUSE, 0, 0, 1);
    }
  }
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Where the step's log goes: a seam, so an in-process test can read what would be printed. */
export const jobLog = { write: writeSyncOut };

/** Writes to the job log. */
export const writeOut = (data: string | Uint8Array): void => jobLog.write(data);

/** Prints `::name props::message` on stdout. */
export function issueCommand(
  name: string,
  message: string,
  props: Record<string, string | undefined> = {},
): void {
  const attrs = Object.entries(props)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(',');
  writeOut(`::${name}${attrs ? ' ' + attrs : ''}::${escapeData(message)}${EOL}`);
}

let windowsRandom: ((size: number) => Buffer) | undefined;

/**
 * 16 unpredictable bytes as hex. Read from /dev/urandom rather than node:crypto, whose import
 * costs more start-up time than the rest of the step; Windows has no such file and uses crypto,
 * loaded once by prepareFileCommands.
 */
export function randomToken(): string {
  if (process.platform === 'win32') {
    if (!windowsRandom) throw new Error('prepareFileCommands() must run before the first random token');
    return windowsRandom(16).toString('hex');
  }
  const fd = openSync('/dev/urandom', 'r');
  try {
    const bytes = Buffer.alloc(16);
    readSync(fd, bytes, 0, 16, null);
    return bytes.toString('hex');
  } finally {
    closeSync(fd);
  }
}

let delimiterToken: string | undefined;

/** Prepares the random delimiter once per process, before the first file command. */
export async function prepareFileCommands(): Promise<void> {
  if (process.platform === 'win32') windowsRandom ??= (await import('node:crypto')).randomBytes;
  delimiterToken ??= randomToken();
}

/**
 * Appends `name<<DELIM ... DELIM` to a file command (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV).
 * An unpredictable delimiter keeps a value from ending the block early and adding outputs.
 */
export function appendKeyValue(file: string, name: string, value: string): void {
  if (!delimiterToken) throw new Error('prepareFileCommands() must run before the first file command');
  const delimiter = `ghadelimiter_${delimiterToken}`;
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`Unexpected input: the value of ${name} contains the delimiter`);
  }
  appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8');
}
