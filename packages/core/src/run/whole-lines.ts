/**
 * Holds back a stream's unfinished last line, as bytes: only whole lines are decoded, so a chunk
 * that ends inside a multi-byte character never splits it (a line end is never part of one).
 * The held pieces are joined only when a line ends, and only the new chunk is searched for a
 * line end: a very long line costs time in proportion to its length, not to its square.
 */
export class WholeLines {
  private pending: Buffer[] = [];

  /** The lines this chunk completes, with their line ends, as text; '' when it completes none. */
  push(chunk: Buffer): string {
    const end = chunk.lastIndexOf(0x0a);
    if (end < 0) {
      if (chunk.length) this.pending.push(chunk);
      return '';
    }
    const head = chunk.subarray(0, end + 1);
    const text = this.pending.length
      ? Buffer.concat([...this.pending, head]).toString('utf8')
      : head.toString('utf8');
    this.pending = end + 1 < chunk.length ? [chunk.subarray(end + 1)] : [];
    return text;
  }

  /** The unfinished last line, as text ('' when there is none); nothing is held afterwards. */
  rest(): string {
    const text = Buffer.concat(this.pending).toString('utf8');
    this.pending = [];
    return text;
  }
}
