import { join } from 'node:path';
import { ensurePrivateDir, writePrivateFile } from './private-files';

/** What a step leaves for the CI to keep as artifacts: files in one private directory. */
export interface StepReport {
  /** Where the files go (a fixed path other users of the machine could have prepared). */
  dir: string;
  /** `install`, `build` or `bake`: the file names start with `depot-<command>`. */
  command: string;
  outputs: Readonly<Record<string, string>>;
  /** Markdown parts of the summary, in order. */
  summary: readonly string[];
  /** More files, by name (a dotenv report, ...). */
  extra?: Readonly<Record<string, string>>;
}

/** Markdown for errors the summary does not carry yet: a caution block each. */
export const cautionBlocks = (errors: readonly string[]): string[] =>
  errors.map((text) => `> [!CAUTION]\n> ${text.replace(/\n/g, '\n> ')}\n`);

/**
 * Writes `depot-<command>-outputs.json` and `depot-<command>-summary.md` (each only when there is
 * something to say) and the extra files into a private directory, never through a symlink. Returns
 * why not, instead of throwing: a report that cannot be written must not fail a finished build.
 */
export function writeStepReport(report: StepReport): string | undefined {
  const { dir, command, outputs, summary, extra = {} } = report;
  const files: Record<string, string> = { ...extra };
  if (Object.keys(outputs).length)
    files[`depot-${command}-outputs.json`] = JSON.stringify(outputs, null, 2) + '\n';
  if (summary.length) files[`depot-${command}-summary.md`] = summary.join('\n');
  if (!Object.keys(files).length) return undefined;
  try {
    ensurePrivateDir(dir);
    for (const [name, text] of Object.entries(files)) writePrivateFile(join(dir, name), text);
  } catch (error) {
    return `could not write to ${dir}: ${(error as Error).message}`;
  }
  return undefined;
}
