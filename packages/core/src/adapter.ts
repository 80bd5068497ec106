import type { RawInput } from './options/schema';

/** Severity of an annotation the CI shows next to the job (GitHub: ::warning::, Buildkite: annotate). */
export type AnnotationLevel = 'error' | 'warning' | 'notice';

/**
 * Everything the core needs from a CI. The core never prints workflow commands or reads CI
 * variables itself; each front-end implements this once (and the job's identity as a CiIdentity).
 */
export interface CiAdapter {
  /**
   * Raw text of an input ('' when unset), or a list input's items where the CI keeps them apart
   * (never joined: an item may hold newlines).
   */
  input(name: string): RawInput;
  output(name: string, value: string): void;
  exportEnv(name: string, value: string): void;
  addPath(dir: string): void;
  /** Hides a secret from every later log line; called the moment a secret exists. */
  mask(secret: string): void;
  info(message: string): void;
  debug(message: string): void;
  annotate(level: AnnotationLevel, message: string, title?: string): void;
  /** Runs `fn` inside a collapsible log section. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /** Appends Markdown to the step's summary (GitHub job summary, Buildkite annotation, CircleCI artifact). */
  summary(markdown: string): void;
  saveState(name: string, value: string): void;
  getState(name: string): string;
  /** Raw engine output, streamed to the job log as it comes. */
  writeStdout(chunk: Buffer): void;
  writeStderr(chunk: Buffer): void;
}

/** Masks a secret and each of its lines: a multi-line value can leak one line at a time. */
export function maskSecret(adapter: Pick<CiAdapter, 'mask'>, secret: string): void {
  const value = secret.trim();
  if (value === '') return;
  adapter.mask(value);
  const lines = value.split(/\r?\n/).map((l) => l.trim());
  if (lines.length > 1) for (const line of lines) if (line.length >= 4) adapter.mask(line);
}
