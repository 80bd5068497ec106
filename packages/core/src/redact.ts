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
    let pending: Buffer = Buffer.alloc(0);
    return {
      write: (chunk) => {
        const bytes = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        const end = bytes.lastIndexOf(0x0a);
        pending = bytes.subarray(end + 1);
        if (end >= 0) write(this.scrub(bytes.toString('utf8', 0, end + 1)));
      },
      flush: () => {
        if (pending.length) write(this.scrub(pending.toString('utf8')));
        pending = Buffer.alloc(0);
      },
    };
  }
}
