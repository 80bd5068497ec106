#!/usr/bin/env bash
# Runs one depot orb command (install, build, bake or pull) with the bundled entry point.
# Every input arrives as a PARAM_* environment variable set in the step's `environment:` map and is
# read by the entry point itself: nothing from the user is ever part of this script's text.
# CircleCI runs a step with sh when the image has no bash; say so in one line rather than fail
# on the first bash construct below.
if [ -z "${BASH_VERSION:-}" ]; then
  echo "depot orb: this step needs bash, which the image does not have. Fix: use the depot/default executor (cimg/node), or install bash before this step." >&2
  exit 1
fi
set -euo pipefail

DEPOT_NODE_MAJOR_MIN=20

# Prints one line that says what to fix and fails, unless Node.js 20+ is on PATH.
depot_require_node() {
  local version
  if ! command -v node >/dev/null 2>&1; then
    echo "depot orb: Node.js ${DEPOT_NODE_MAJOR_MIN} or later is required but node is not on PATH. Fix: use the depot/default executor (cimg/node), or install Node.js ${DEPOT_NODE_MAJOR_MIN}+ before this step." >&2
    return 1
  fi
  version="$(node -p 'process.versions.node' 2>/dev/null || true)"
  if [[ ! "${version}" =~ ^([0-9]+)\. ]] || (( BASH_REMATCH[1] < DEPOT_NODE_MAJOR_MIN )); then
    echo "depot orb: Node.js ${DEPOT_NODE_MAJOR_MIN} or later is required, found ${version:-an unknown version}. Fix: use the depot/default executor (cimg/node), or install Node.js ${DEPOT_NODE_MAJOR_MIN}+ before this step." >&2
    return 1
  fi
}

# This job's part of the private directories' names, so that the cleanup step of one job never
# removes another's on a shared (self-hosted) machine.
depot_job_tag() {
  local id="${CIRCLE_WORKFLOW_JOB_ID:-${CIRCLE_BUILD_NUM:-job}}"
  printf '%s' "${id//[^A-Za-z0-9-]/}"
}

depot_main() {
  local command="${DEPOT_ORB_COMMAND:-}" entry="${DEPOT_ORB_ENTRY:-}" status
  case "${command}" in
    install | build | bake | pull) ;;
    *)
      echo "depot orb: DEPOT_ORB_COMMAND must be install, build, bake or pull (got '${command}')." >&2
      return 2
      ;;
  esac
  if [[ -z "${entry}" ]]; then
    echo "depot orb: DEPOT_ORB_ENTRY is empty; the orb was not packed with its entry point." >&2
    return 2
  fi
  depot_require_node || return 1
  # The encoded bundle is 60+ kB: keep it out of the environment of everything started below.
  unset DEPOT_ORB_ENTRY
  # The step's private directory (0700, a fresh name): the entry point and every temp or secret
  # file of the step (node runs with TMPDIR there) live in it. It goes when this step ends; after
  # a kill, the orb's `depot cleanup` step (when: always) removes it.
  DEPOT_ORB_DIR="$(mktemp -d "${TMPDIR:-/tmp}/depot-orb.$(depot_job_tag).XXXXXX")"
  chmod 0700 "${DEPOT_ORB_DIR}"
  trap 'rm -rf -- "${DEPOT_ORB_DIR}"' EXIT
  trap 'exit 143' TERM
  # The entry is the bundle's files (index.js, the chunks it loads lazily, package.json) as
  # brotli+base64 JSON; node (checked above) writes them back, so the image needs no other tool.
  # shellcheck disable=SC2016 # the single-quoted text is JavaScript, not shell
  printf '%s' "${entry}" | node -e 'const fs = require("fs"), path = require("path"); const files = JSON.parse(require("zlib").brotliDecompressSync(Buffer.from(fs.readFileSync(0, "utf8"), "base64"))); for (const [name, text] of Object.entries(files)) { if (name !== path.basename(name)) throw new Error(`bad bundle file name ${name}`); fs.writeFileSync(path.join(process.argv[1], name), text, { mode: 0o600, flag: "wx" }); }' "${DEPOT_ORB_DIR}"
  status=0
  TMPDIR="${DEPOT_ORB_DIR}" node "${DEPOT_ORB_DIR}/index.js" "${command}" || status=$?
  return "${status}"
}

# The bats tests source this file with DEPOT_ORB_TEST set and call the functions themselves.
if [[ -z "${DEPOT_ORB_TEST:-}" ]]; then
  depot_main
fi
