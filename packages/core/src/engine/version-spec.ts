// What the `version` input asks for, read without loading node-semver: the warm path (an exact
// version already in the tool cache) must stay free of it. Ranges are checked here for shape only,
// so a typo is a one-line input error at once; matching versions against them (node-semver, as
// @actions/tool-cache ships it) happens on the download path, which loads the library anyway.

/** What the `version` input asks for. */
export type VersionSpec =
  { kind: 'latest' } | { kind: 'exact'; version: string } | { kind: 'range'; text: string };

const EXACT = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const NUMBER = '(?:0|[1-9]\\d*)';
const WILD = '[xX*]';
// One partial version: `2`, `2.x`, `2.x.x` (as depot/setup-action's README writes it), `2.101`,
// `2.101.*`, `2.101.5`; wildcards only from the first missing part on, and to the end.
const PARTIAL = `v?(?:${WILD}(?:\\.${WILD}){0,2}|${NUMBER}(?:\\.(?:${WILD}(?:\\.${WILD})?|${NUMBER}(?:\\.(?:${WILD}|${NUMBER}))?))?)`;
const COMPARATOR = new RegExp(`^(?:\\^|~|>=|<=|>|<|=)?${PARTIAL}$`);
// `2.x.1` would be read by semver as `2.x`; a number after a wildcard is a typo, so it is refused.
const NUMBER_AFTER_WILDCARD = /[xX*]\.\d/;

/** The release version `X.Y.Z` of a text (a leading `v` allowed), or undefined. */
export function exactVersion(text: string): string | undefined {
  const match = EXACT.exec(text.trim());
  return match ? `${match[1]}.${match[2]}.${match[3]}` : undefined;
}

/** Whether text is shaped like a node-semver range of release versions (`2.x`, `^2.100.0 || ~3.0.0`). */
function looksLikeRange(text: string): boolean {
  if (NUMBER_AFTER_WILDCARD.test(text)) return false;
  return text.split('||').every((set) => {
    // `>= 2.1.0` is written with a space by some; join an operator to its version first.
    const parts = set
      .trim()
      .replace(/([<>=^~]+)\s+/g, '$1')
      .split(/\s+/);
    if (parts.length === 3 && parts[1] === '-') return COMPARATOR.test(parts[0]) && COMPARATOR.test(parts[2]);
    return parts.length > 0 && parts.every((part) => COMPARATOR.test(part));
  });
}

/** Parses the `version` input: empty or `latest`, an exact `X.Y.Z`, or a range; undefined otherwise. */
export function parseVersionSpec(text: string): VersionSpec | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'latest') return { kind: 'latest' };
  const version = exactVersion(trimmed);
  if (version) return { kind: 'exact', version };
  return looksLikeRange(trimmed) ? { kind: 'range', text: trimmed } : undefined;
}

/**
 * The highest of `versions` inside `range`, by node-semver (through @actions/tool-cache, which
 * bundles it: one copy for both), or undefined. Loads the library: download path only.
 */
export async function highestInRange(
  env: Readonly<Record<string, string | undefined>>,
  versions: readonly string[],
  range: string,
): Promise<string | undefined> {
  const { withToolCache } = await import('./toolkit');
  const found = await withToolCache(env, undefined, async (tc) => tc.evaluateVersions([...versions], range));
  return found || undefined;
}
