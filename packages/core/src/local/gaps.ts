/**
 * Something a step asks for that the local engine cannot honour. A blocking gap (a platform it
 * cannot build) stops even a fallback build: without it the image would be something else under
 * the same tags. Other gaps refuse the step up front, and a fallback leaves them out and says so.
 */
export interface Gap {
  /** The input (or definition part) in the user's words: `project`, `target "app" attest`. */
  what: string;
  why: string;
  blocking?: boolean;
}

/** One gap as a phrase: `project (Depot only)`. */
export const describeGap = (gap: Gap): string => `${gap.what} (${gap.why})`;

/** Gaps as one sentence-part list: `project (Depot only), save (Depot only)`. */
export const describeGaps = (gaps: readonly Gap[]): string => gaps.map(describeGap).join(', ');
