/**
 * Which lines of a step's output the GitHub runner acts on as workflow commands, read as strictly
 * as the runner reads them (actions/runner src/Runner.Worker/ActionCommandManager.cs and
 * src/Runner.Common/ActionCommand.cs):
 * - lines end at \n, \r\n or a lone \r;
 * - `::name props::data` counts after leading whitespace; the legacy `##[name props]data` counts
 *   anywhere in a line; either only for a registered command name (any case);
 * - `::stop-commands::TOKEN` stops both forms until a `::TOKEN::` (or `##[TOKEN]`) line.
 * The runner reads stdout and stderr on two pipes at once, so a stop issued on stdout is not
 * relied on for stderr: stderr lines are always read as if commands were live.
 */

/** The commands the runner registers (plus stop-commands). */
const REGISTERED = new Set(
  [
    'stop-commands',
    'set-env',
    'set-output',
    'save-state',
    'add-mask',
    'add-path',
    'add-matcher',
    'remove-matcher',
    'warning',
    'error',
    'notice',
    'debug',
    'group',
    'endgroup',
    'echo',
  ].map((c) => c.toLowerCase()),
);

/** One line the runner would act on. */
export interface CommandLine {
  stream: 'stdout' | 'stderr';
  command: string;
  /** The data after the command, unescaped. */
  data: string;
  line: string;
}

function parse(line: string, registered: Set<string>): { command: string; data: string } | undefined {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('::')) {
    const end = trimmed.indexOf('::', 2);
    if (end >= 0) {
      const command = trimmed.slice(2, end).split(' ')[0].toLowerCase();
      if (registered.has(command)) return { command, data: unescape(trimmed.slice(end + 2)) };
    }
  }
  const at = line.indexOf('##[');
  if (at >= 0) {
    const close = line.indexOf(']', at);
    if (close >= 0) {
      const command = line
        .slice(at + 3, close)
        .split(' ')[0]
        .toLowerCase();
      if (registered.has(command)) return { command, data: unescape(line.slice(close + 1)) };
    }
  }
  return undefined;
}

const unescape = (s: string): string =>
  s
    .replace(/%0D/gi, '\r')
    .replace(/%0A/gi, '\n')
    .replace(/%5D/gi, ']')
    .replace(/%3B/gi, ';')
    .replace(/%25/g, '%');

/** Every line of the step's output that the runner would act on (stop and resume lines included). */
export function commandLines(stdout: string, stderr: string): CommandLine[] {
  const found: CommandLine[] = [];
  for (const [stream, text] of [
    ['stdout', stdout],
    ['stderr', stderr],
  ] as const) {
    const registered = new Set(REGISTERED);
    let stopToken: string | undefined;
    for (const line of text.split(/\r\n|\r|\n/)) {
      const parsed = parse(line, registered);
      if (!parsed) continue;
      if (stopToken !== undefined) {
        if (parsed.command !== stopToken) continue;
        registered.delete(stopToken);
        stopToken = undefined;
      } else if (parsed.command === 'stop-commands' && stream === 'stdout') {
        stopToken = parsed.data.toLowerCase();
        registered.add(stopToken);
      }
      found.push({ stream, ...parsed, line });
    }
  }
  return found;
}
