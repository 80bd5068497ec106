// Pure parts of download verification: reading checksum files, SRI strings and the `checksum` input.
// Hashing itself happens while downloading (http.ts), so nothing here loads node:crypto.
import { UserError } from '../errors';

/** A downloaded file did not match what it was checked against. Nothing is cached after one. */
export class VerificationError extends UserError {
  constructor(what: string, expected: string, actual: string, hint?: string) {
    super(`${what} failed verification: expected ${expected}, got ${actual}.`, hint);
    this.name = 'VerificationError';
  }
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Parses a goreleaser/sha256sum checksum file: `<sha256>  <name>` per line (`*<name>` in binary
 * mode). Returns name → lower-case hex; lines of any other shape are ignored.
 */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{64})\s+\*?(\S.*?)\s*$/.exec(line.trim());
    if (match) sums.set(match[2], match[1].toLowerCase());
  }
  return sums;
}

/** The `checksum` input as lower-case hex: 64 hex digits, optionally prefixed `sha256:`. */
export function normalizeChecksum(text: string): string | undefined {
  const value = text
    .trim()
    .replace(/^sha256:/i, '')
    .toLowerCase();
  return SHA256.test(value) ? value : undefined;
}

/** Hash algorithms this project can check, strongest first (npm's SRI strings may carry several). */
export const SRI_ALGORITHMS = ['sha512', 'sha384', 'sha256', 'sha1'] as const;
export type SriAlgorithm = (typeof SRI_ALGORITHMS)[number];

/** One hash of an SRI string: `sha512-<base64>`. */
export interface SriHash {
  algorithm: SriAlgorithm;
  /** base64 digest. */
  digest: string;
}

/** The strongest supported hash of an SRI string (e.g. npm's `dist.integrity`), or undefined. */
export function strongestIntegrity(integrity: string): SriHash | undefined {
  const hashes: SriHash[] = [];
  for (const token of integrity.trim().split(/\s+/)) {
    // Options after `?` are allowed by the SRI grammar and carry nothing we check.
    const match = /^(sha512|sha384|sha256|sha1)-([A-Za-z0-9+/]+={0,2})(\?.*)?$/.exec(token);
    if (match) hashes.push({ algorithm: match[1] as SriAlgorithm, digest: match[2] });
  }
  hashes.sort((a, b) => SRI_ALGORITHMS.indexOf(a.algorithm) - SRI_ALGORITHMS.indexOf(b.algorithm));
  return hashes[0];
}

/** Digests of a downloaded file by algorithm (hex). */
export type Digests = Partial<Record<SriAlgorithm, string>>;

/** Checks a file's sha256 against an expected hex digest; throws a VerificationError naming the source. */
export function checkSha256(what: string, expected: string, digests: Digests, source: string): void {
  const actual = digests.sha256;
  if (actual === undefined) throw new Error('sha256 was not computed for the download');
  if (actual !== expected) {
    throw new VerificationError(
      what,
      `sha256 ${expected} (${source})`,
      actual,
      'The download was corrupted or tampered with; nothing was installed. If a mirror serves it, refresh the mirror.',
    );
  }
}

/** Checks a file against an SRI hash (npm's dist.integrity). */
export function checkIntegrity(what: string, expected: SriHash, digests: Digests): void {
  const hex = digests[expected.algorithm];
  if (hex === undefined) throw new Error(`${expected.algorithm} was not computed for the download`);
  const actual = Buffer.from(hex, 'hex').toString('base64');
  if (actual !== expected.digest) {
    throw new VerificationError(
      what,
      `${expected.algorithm}-${expected.digest} (the registry's dist.integrity)`,
      `${expected.algorithm}-${actual}`,
      'The registry served a tarball that does not match its own metadata; nothing was installed.',
    );
  }
}
