/**
 * Holds back a stream's unfinished last line, as bytes: only whole lines are decoded, so a chunk
 * that ends inside a multi-byte character never splits it (a line end is never part of one).
 */
export class WholeLines {
  private pending: Buffer = Buffer.alloc(0);

  /** The lines this chunk completes, with their line ends, as text; '' when it completes none. */
  push(chunk: Buffer): string {
    const bytes = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const end = bytes.lastIndexOf(0x0a);
    this.pending = bytes.subarray(end + 1);
    return end < 0 ? '' : bytes.toString('utf8', 0, end + 1);
  }

  /** The unfinished last line, as text ('' when there is none); nothing is held afterwards. */
  rest(): string {
    const text = this.pending.toString('utf8');
    this.pending = Buffer.alloc(0);
    return text;
  }
}
