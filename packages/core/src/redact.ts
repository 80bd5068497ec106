import { WholeLines } from './run/whole-lines';

/**
 * Hides secrets in what a front-end writes where the CI has no masking of its own for values the
 * step obtains: CircleCI masks only the variables it knows, and a Buildkite agent's redactor
 * covers only the job log (annotations and meta-data are not redacted, older agents have none).
 * Every line written passes through here first.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string): void {
    if (secret.length >= 4) this.secrets.add(secret);
  }
  has(value: string): boolean {
    for (const secret of this.secrets) if (value.includes(secret)) return true;
    return false;
  }
  scrub(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length))
      out = out.split(secret).join('***');
    return out;
  }

  /**
   * A writer for streamed output: holds back the unfinished last line, so a secret split across
   * two chunks is still found, and so is a character split across two (only whole lines are
   * decoded: a line end is never part of a multi-byte character). `flush` writes what is left.
   */
  stream(write: (text: string) => void): { write(chunk: Buffer): void; flush(): void } {
    const lines = new WholeLines();
    const scrubbed = (text: string): void => {
      if (text) write(this.scrub(text));
    };
    return { write: (chunk) => scrubbed(lines.push(chunk)), flush: () => scrubbed(lines.rest()) };
  }
}
