#!/usr/bin/env bash
# The orb's `depot cleanup` step runs `when: always`, after a failed or cancelled depot step too:
# it removes the private directories (depot-orb.*) that depot steps of this job left in TMPDIR,
# with every temp and secret file in them. Only directories of this user, never through a symlink.
set -euo pipefail

depot_cleanup() {
  local base="${TMPDIR:-/tmp}" dir removed=0
  for dir in "${base}"/depot-orb.*; do
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
