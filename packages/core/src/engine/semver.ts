// A small semver matcher for the `version` input: enough of node-semver's range grammar for pinning a
// CLI (x-ranges, ^, ~, comparisons, ||), without its 80 kB. Only release versions (X.Y.Z) exist for
// the depot CLI, so pre-release tags are not part of the grammar and never match a range.

/** A release version as [major, minor, patch]. */
export type Version = readonly [number, number, number];

type Operator = '>=' | '>' | '<' | '<=' | '=';
interface Comparator {
  op: Operator;
  version: Version;
}
/** A parsed range: any one set matches when every comparator in it does (`||` of ANDs). */
export type Range = readonly (readonly Comparator[])[];

/** What the `version` input asks for. */
export type VersionSpec =
  { kind: 'latest' } | { kind: 'exact'; version: string } | { kind: 'range'; text: string; range: Range };

const EXACT = /^v?(\d+)\.(\d+)\.(\d+)$/;
const NUMBER = /^(0|[1-9]\d*)$/;
const WILDCARD = /^[xX*]$/;

/** Parses `X.Y.Z` (a leading `v` is allowed); undefined for anything else. */
export function parseVersion(text: string): Version | undefined {
  const match = EXACT.exec(text.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

export const formatVersion = (v: Version): string => v.join('.');

/** Orders two versions: negative when a < b. */
export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** `1`, `1.2`, `1.2.3`, with `x`/`X`/`*` wildcards from the first missing part on: the given numbers. */
function parsePartial(text: string): number[] | undefined {
  const parts = text.replace(/^v/, '').split('.');
  if (parts.length > 3) return undefined;
  const numbers: number[] = [];
  let i = 0;
  for (; i < parts.length && !WILDCARD.test(parts[i]); i++) {
    if (!NUMBER.test(parts[i])) return undefined;
    numbers.push(Number(parts[i]));
  }
  // A number after a wildcard (1.x.3) is not a range anyone means.
  for (; i < parts.length; i++) if (!WILDCARD.test(parts[i])) return undefined;
  return numbers;
}

const fill = (n: number[]): Version => [n[0] ?? 0, n[1] ?? 0, n[2] ?? 0];

/** The first version above every version the partial covers: 1.2 → 1.3.0, 1 → 2.0.0. */
function nextAfter(n: number[]): Version {
  if (n.length === 1) return [n[0] + 1, 0, 0];
  if (n.length === 2) return [n[0], n[1] + 1, 0];
  return [n[0], n[1], n[2] + 1];
}

function parseComparator(token: string): Comparator[] | undefined {
  const match = /^(\^|~|>=|<=|>|<|=)?(.*)$/.exec(token);
  if (!match) return undefined;
  const op = match[1] ?? '';
  const n = parsePartial(match[2]);
  if (!n) return undefined;
  const low = fill(n);
  if (n.length === 0) {
    // `*`, or an operator with a bare wildcard: `<*` matches nothing, everything else anything.
    return op === '<' || op === '>' ? [{ op: '<', version: [0, 0, 0] }] : [{ op: '>=', version: low }];
  }
  switch (op) {
    case '':
    case '=':
      return n.length === 3
        ? [{ op: '=', version: low }]
        : [
            { op: '>=', version: low },
            { op: '<', version: nextAfter(n) },
          ];
    case '^': {
      // Everything that keeps the left-most non-zero part: ^1.2.3 <2.0.0, ^0.2.3 <0.3.0, ^0.0.3 <0.0.4.
      const keep = n.findIndex((part, i) => part !== 0 || i === n.length - 1);
      return [
        { op: '>=', version: low },
        { op: '<', version: nextAfter(n.slice(0, keep + 1)) },
      ];
    }
    case '~':
      // Patch updates when a minor is given (~1.2.3 <1.3.0), minor updates otherwise (~1 <2.0.0).
      return [
        { op: '>=', version: low },
        { op: '<', version: nextAfter(n.slice(0, Math.min(n.length, 2))) },
      ];
    case '>':
      return [n.length === 3 ? { op: '>', version: low } : { op: '>=', version: nextAfter(n) }];
    case '<=':
      return [n.length === 3 ? { op: '<=', version: low } : { op: '<', version: nextAfter(n) }];
    case '>=':
    case '<':
      return [{ op, version: low }];
  }
  return undefined;
}

/**
 * Parses a range: `2.x`, `2.101.x`, `^2.100.0`, `~2.101.0`, `>=2.100.0 <3`, `1.x || 2.x`, or an
 * exact `2.102.12`. Undefined when any part is not understood.
 */
export function parseRange(text: string): Range | undefined {
  const sets: Comparator[][] = [];
  for (const alternative of text.split('||')) {
    // node-semver allows a space between an operator and its version (`>= 1.2.3`).
    const tokens = alternative
      .trim()
      .replace(/(\^|~|>=|<=|>|<|=)\s+/g, '$1')
      .split(/\s+/)
      .filter((t) => t !== '');
    if (tokens.length === 0) return undefined;
    const set: Comparator[] = [];
    for (const token of tokens) {
      const comparators = parseComparator(token);
      if (!comparators) return undefined;
      set.push(...comparators);
    }
    sets.push(set);
  }
  return sets;
}

function test(c: Comparator, v: Version): boolean {
  const order = compareVersions(v, c.version);
  switch (c.op) {
    case '=':
      return order === 0;
    case '>=':
      return order >= 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '<':
      return order < 0;
  }
}

/** Whether a version (X.Y.Z text) is inside a range (text or parsed). */
export function satisfies(version: string, range: Range | string): boolean {
  const v = parseVersion(version);
  const r = typeof range === 'string' ? parseRange(range) : range;
  if (!v || !r) return false;
  return r.some((set) => set.every((c) => test(c, v)));
}

/** The newest of `versions` inside the range; texts that are not X.Y.Z are ignored. */
export function maxSatisfying(versions: Iterable<string>, range: Range | string): string | undefined {
  let best: Version | undefined;
  let bestText: string | undefined;
  for (const text of versions) {
    const v = parseVersion(text);
    if (!v || !satisfies(text, range)) continue;
    if (!best || compareVersions(v, best) > 0) {
      best = v;
      bestText = formatVersion(v);
    }
  }
  return bestText;
}

/** Reads the `version` input: empty or `latest`, an exact version, or a range. Undefined when invalid. */
export function parseVersionSpec(text: string): VersionSpec | undefined {
  const value = text.trim();
  if (value === '' || value === 'latest') return { kind: 'latest' };
  const exact = parseVersion(value);
  if (exact) return { kind: 'exact', version: formatVersion(exact) };
  const range = parseRange(value);
  return range ? { kind: 'range', text: value, range } : undefined;
}
