#!/usr/bin/env bash
# Releases the Buildkite plugins into their own repositories, the layout the agent resolves
# `depot-actions/depot#vX.Y.Z` (github.com/depot-actions/depot-buildkite-plugin) and
# `depot-actions/depot-install#vX.Y.Z` (depot-install-buildkite-plugin) to.
#
#   scripts/release-plugins.sh <version> <out-dir>
#
# For each plugin, <out-dir>/<repository> is made (or, when it is already a clone of that
# repository, updated): the plugin's files with its links resolved, the README's version
# references set to v<version>, then a commit and the tag v<version>. Pushing is left to the
# maintainer (git -C <out-dir>/<repository> push --follow-tags origin HEAD). Run it from a clean
# checkout after `npm run build`: the plugin carries the bundle CI checked.
set -euo pipefail

usage() {
  echo "usage: $0 <version: X.Y.Z> <out-dir>" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
version="$1"
out="$2"
if [[ ! "${version}" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "release-plugins: version must be X.Y.Z (got '${version}')." >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_commit="$(git -C "${root}" rev-parse --short HEAD)"
if [[ -n "$(git -C "${root}" status --porcelain -- packages/buildkite-plugin packages/buildkite-install-plugin)" ]]; then
  echo "release-plugins: the plugin directories have uncommitted changes; commit them first." >&2
  exit 1
fi

# git in a release repository, with a committer identity of its own (a clean machine has none).
release_git() {
  local dir="$1"
  shift
  git -C "${dir}" -c user.name="depot-actions release" -c user.email="release@depot-actions.invalid" "$@"
}

# release_one <source dir> <repository name> <plugin reference without version>
release_one() {
  local src="${root}/$1" repo="$2" ref="$3" dest
  dest="${out}/${repo}"
  mkdir -p "${dest}"
  if [[ ! -d "${dest}/.git" ]]; then
    git -C "${dest}" init -q -b main
  fi
  if git -C "${dest}" rev-parse -q --verify "refs/tags/v${version}" >/dev/null; then
    echo "release-plugins: ${repo} already has the tag v${version}." >&2
    return 1
  fi
  # Everything but .git is replaced, so files removed from the plugin disappear from the release.
  find "${dest}" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
  # -L: the install plugin links lib/ and dist/ to the depot plugin's; its repository needs copies.
  cp -RL "${src}/." "${dest}/"
  # The README's examples name the released version, which the plugin linter checks against the tag.
  sed -i -E "s|(${ref})#v[0-9]+\.[0-9]+\.[0-9]+|\1#v${version}|g" "${dest}/README.md"
  release_git "${dest}" add -A
  release_git "${dest}" commit -q -m "Release v${version} (depot-actions ${source_commit})"
  release_git "${dest}" tag -a "v${version}" -m "v${version}"
  echo "${repo}: v${version} at $(git -C "${dest}" rev-parse --short HEAD)"
}

mkdir -p "${out}"
release_one packages/buildkite-plugin depot-buildkite-plugin 'depot-actions/depot'
release_one packages/buildkite-install-plugin depot-install-buildkite-plugin 'depot-actions/depot-install'
