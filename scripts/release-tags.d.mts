// Types of scripts/release-tags.mjs, for the tests (the script itself runs with plain node).

/** A parsed release tag. */
export interface ReleaseVersion {
  tag: string;
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated pre-release identifiers; empty for a stable release. */
  prerelease: string[];
}

/** What the release workflow does for one tag. */
export interface ReleasePlan {
  /** The version without the `v`. */
  version: string;
  /** The floating tag users pin, e.g. `v1`. */
  majorTag: string;
  /** Whether the major tag moves to this release. */
  moveMajor: boolean;
  prerelease: boolean;
  /** Whether GitHub marks the release as the latest. */
  latest: boolean;
  /** This version's CHANGELOG.md section, the release notes. */
  notes: string;
}

/** Parses a release tag (`v1.2.3`, `v1.2.3-rc.1`), or undefined for anything else. */
export function parseReleaseTag(tag: string): ReleaseVersion | undefined;
/** Orders two versions by semver precedence. */
export function compareVersions(a: ReleaseVersion, b: ReleaseVersion): number;
/** The CHANGELOG.md section of a version (no `v`), without its heading. */
export function changelogSection(changelog: string, version: string): string | undefined;
/** Decides a release from its tag, the repository's other tags and CHANGELOG.md. */
export function planRelease(input: { tag: string; tags: string[]; changelog: string }): ReleasePlan;
