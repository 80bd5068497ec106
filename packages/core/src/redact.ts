import { WholeLines } from './run/whole-lines';

/**
 * Hides secrets in what a front-end writes where the CI has no masking of its own for values the
 * step obtains: CircleCI masks only the variables it knows, and a Buildkite agent's redactor
 * covers only the job log (annotations and meta-data are not redacted, older agents have none).
 * Every line written passes through here first.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** The shortest secret hidden: a shorter one would hide every occurrence of a common word. */
  static readonly MIN_LENGTH = 4;

  /**
   * Hides a secret from now on, also as JSON writes it (a multi-line key or a quote in a value
   * printed by an engine in a JSON message). Returns false when it is too short to hide.
   */
  add(secret: string): boolean {
    if (secret.length < Redactor.MIN_LENGTH) return false;
    this.secrets.add(secret);
    const escaped = JSON.stringify(secret).slice(1, -1);
    // Go's encoding/json (the depot CLI's) also escapes <, >, & and the two line separators.
    const goEscaped = escaped.replace(
      /[<>&\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    for (const form of [escaped, goEscaped]) if (form !== secret) this.secrets.add(form);
    return true;
  }
  has(value: string): boolean {
    for (const secret of this.secrets) if (value.includes(secret)) return true;
    return false;
  }
  /** Replaces every stretch of text that is part of some secret with ***, overlaps included. */
  scrub(text: string): string {
    const found: [number, number][] = [];
    for (const secret of this.secrets) {
      for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1))
        found.push([at, at + secret.length]);
    }
    if (found.length === 0) return text;
    found.sort((a, b) => a[0] - b[0]);
    let out = '';
    let done = 0;
    let [start, end] = found[0];
    for (const [from, to] of found) {
      if (from <= end) {
        end = Math.max(end, to);
        continue;
      }
      out += `${text.slice(done, start)}***`;
      done = end;
      [start, end] = [from, to];
    }
    return `${out}${text.slice(done, start)}***${text.slice(end)}`;
  }

  /**
   * A writer for streamed output: holds back the unfinished last line, so a secret split across
   * two chunks is still found, and so is a character split across two (only whole lines are
   * decoded: a line end is never part of a multi-byte character). `flush` writes what is left.
   */
  stream(write: (text: string) => void): { write(chunk: Buffer): void; flush(): void; endLine(): void } {
    const lines = new WholeLines();
    const scrubbed = (text: string): void => {
      if (text) write(this.scrub(text));
    };
    return {
      write: (chunk) => scrubbed(lines.push(chunk)),
      flush: () => scrubbed(lines.rest()),
      // Ends an unfinished line before the step prints a line of its own after it.
      endLine: () => {
        const rest = lines.rest();
        if (rest) scrubbed(rest.endsWith('\n') ? rest : `${rest}\n`);
      },
    };
  }
}
