// The release workflow's decisions, as a script with tests: is the pushed tag a release version,
// which major tag (`v1`) users pin, whether that tag moves to this release, whether the release
// is GitHub's "latest", and the notes (this version's CHANGELOG.md section).
//
//   node scripts/release-tags.mjs v1.4.0 [--notes-file <path>]
//
// Reads the repository's `v*` tags with git and CHANGELOG.md from the working directory. Writes
// `version`, `major-tag`, `move-major`, `prerelease` and `latest` to $GITHUB_OUTPUT when set
// (else prints them), and the notes to --notes-file (else prints them).
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// Semantic Versioning 2.0.0 without build metadata, behind a `v` (semver.org's grammar).
const NUMBER = '(0|[1-9]\\d*)';
const PRERELEASE =
  '(?:-((?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*))*))?';
const VERSION_TAG = new RegExp(`^v${NUMBER}\\.${NUMBER}\\.${NUMBER}${PRERELEASE}$`);

/**
 * Parses a release tag (`v1.2.3`, `v1.2.3-rc.1`), or returns undefined for anything else
 * (`v1`, `v1.2`, `1.2.3`, build metadata).
 * @param {string} tag
 * @returns {import('./release-tags.d.mts').ReleaseVersion | undefined}
 */
export function parseReleaseTag(tag) {
  const m = VERSION_TAG.exec(tag);
  if (!m) return undefined;
  return {
    tag,
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] ? m[4].split('.') : [],
  };
}

/**
 * Orders two versions by semver precedence (a pre-release sorts before its release; numeric
 * identifiers numerically, and before alphanumeric ones).
 * @param {import('./release-tags.d.mts').ReleaseVersion} a
 * @param {import('./release-tags.d.mts').ReleaseVersion} b
 * @returns {number}
 */
export function compareVersions(a, b) {
  for (const key of /** @type {const} */ (['major', 'minor', 'patch']))
    if (a[key] !== b[key]) return a[key] - b[key];
  if (!a.prerelease.length || !b.prerelease.length) return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const [x, y] = [a.prerelease[i], b.prerelease[i]];
    if (x === y) continue;
    const [nx, ny] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (nx && ny) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.prerelease.length - b.prerelease.length;
}

/**
 * The section of CHANGELOG.md for a version (`## [1.2.3] - date` or `## 1.2.3`, `v` optional),
 * without its heading, or undefined when there is none.
 * @param {string} changelog
 * @param {string} version  without the `v`
 * @returns {string | undefined}
 */
export function changelogSection(changelog, version) {
  const lines = changelog.split(/\r?\n/);
  const escaped = version.replace(/[.+-]/g, '\\$&');
  const heading = new RegExp(`^## \\[?v?${escaped}\\]?(?:\\s|$)`);
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  const body = lines.slice(start + 1, end < 0 ? undefined : end);
  // Link references at the end belong to the whole file, not to this section.
  while (body.length && (/^\s*$/.test(body.at(-1) ?? '') || /^\[[^\]]+\]: /.test(body.at(-1) ?? '')))
    body.pop();
  while (body.length && /^\s*$/.test(body[0])) body.shift();
  return body.length ? body.join('\n') + '\n' : undefined;
}

/**
 * Decides a release from its tag, the repository's other tags and CHANGELOG.md. The major tag
 * moves only for a stable release that is the newest of its major line, so a patch to an older
 * minor line never pulls `v1` back; pre-releases never move it.
 * @param {{ tag: string; tags: string[]; changelog: string }} input
 * @returns {import('./release-tags.d.mts').ReleasePlan}
 */
export function planRelease({ tag, tags, changelog }) {
  const version = parseReleaseTag(tag);
  if (!version)
    throw new Error(
      `Tag ${JSON.stringify(tag)} is not a release version: expected vMAJOR.MINOR.PATCH, e.g. v1.4.0 or v1.4.0-rc.1.`,
    );
  const name = tag.slice(1);
  const notes = changelogSection(changelog, name);
  if (!notes)
    throw new Error(
      `CHANGELOG.md has no section for ${name}: add "## [${name}] - <date>" with the changes, then tag again.`,
    );
  const stable = tags
    .map(parseReleaseTag)
    .filter((v) => v !== undefined && v.prerelease.length === 0)
    .concat(version.prerelease.length ? [] : [version]);
  const newest = (/** @type {typeof stable} */ list) =>
    list.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b), version);
  const prerelease = version.prerelease.length > 0;
  return {
    version: name,
    majorTag: `v${version.major}`,
    moveMajor: !prerelease && newest(stable.filter((v) => v.major === version.major)) === version,
    prerelease,
    latest: !prerelease && newest(stable) === version,
    notes,
  };
}

/** Runs the script: see the comment at the top. */
function main() {
  const args = process.argv.slice(2);
  const tag = args[0] ?? '';
  const notesIndex = args.indexOf('--notes-file');
  const notesFile = notesIndex >= 0 ? args[notesIndex + 1] : undefined;
  const tags = execFileSync('git', ['tag', '--list', 'v*'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const plan = planRelease({ tag, tags, changelog: readFileSync('CHANGELOG.md', 'utf8') });
  const outputs = [
    `version=${plan.version}`,
    `major-tag=${plan.majorTag}`,
    `move-major=${plan.moveMajor}`,
    `prerelease=${plan.prerelease}`,
    `latest=${plan.latest}`,
  ].join('\n');
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, outputs + '\n');
  else console.log(outputs);
  if (notesFile) writeFileSync(notesFile, plan.notes);
  else process.stdout.write('\n' + plan.notes);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (error) {
    console.error(`release-tags: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
