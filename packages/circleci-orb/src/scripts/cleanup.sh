#!/usr/bin/env bash
# The orb's `depot cleanup` step runs `when: always`, after a failed or cancelled depot step too:
# it removes the private directories (depot-orb.<job>.*) that depot steps of this job left in
# TMPDIR, with every temp and secret file in them. Only this job's directories, of this user, never
# through a symlink: another job on a shared machine may be building with its own.
# CircleCI runs a step with sh when the image has no bash; say so in one line rather than fail
# on the first bash construct below.
if [ -z "${BASH_VERSION:-}" ]; then
  echo "depot orb: this step needs bash, which the image does not have. Fix: use the depot/default executor (cimg/node), or install bash before this step." >&2
  exit 1
fi
set -euo pipefail

depot_cleanup() {
  local base="${TMPDIR:-/tmp}" dir removed=0 id="${CIRCLE_WORKFLOW_JOB_ID:-${CIRCLE_BUILD_NUM:-job}}"
  for dir in "${base}/depot-orb.${id//[^A-Za-z0-9-]/}".*; do
    [[ -d "${dir}" && ! -L "${dir}" && -O "${dir}" ]] || continue
    rm -rf -- "${dir}"
    removed=$((removed + 1))
  done
  echo "depot cleanup: removed ${removed} private director$( ((removed == 1)) && echo y || echo ies)."
}

# The bats tests source this file with DEPOT_ORB_TEST set and call the function themselves.
if [[ -z "${DEPOT_ORB_TEST:-}" ]]; then
  depot_cleanup
fi
