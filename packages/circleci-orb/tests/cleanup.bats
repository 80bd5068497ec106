#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031  # bats runs each test in a subshell
# src/scripts/cleanup.sh, the `depot cleanup` step (when: always): removes the private directories
# depot steps left in TMPDIR, and nothing else.

SCRIPT="$(cd "$(dirname "${BATS_TEST_FILENAME}")/.." && pwd)/src/scripts/cleanup.sh"

setup() {
  export TMPDIR="${BATS_TEST_TMPDIR}/tmp"
  mkdir -p "${TMPDIR}"
  export DEPOT_ORB_TEST=1
  # shellcheck source=src/scripts/cleanup.sh
  . "${SCRIPT}"
}

@test "removes every depot-orb.* directory with the secret files in it" {
  mkdir -p "${TMPDIR}/depot-orb.a1b2c3/depot-build-x" "${TMPDIR}/depot-orb.d4e5f6"
  echo secret >"${TMPDIR}/depot-orb.a1b2c3/depot-build-x/secret-1"
  run depot_cleanup
  [ "${status}" -eq 0 ]
  [ "${output}" = "depot cleanup: removed 2 private directories." ]
  [ -z "$(ls -A "${TMPDIR}")" ]
}

@test "leaves other files and a symlink named like one of its directories alone" {
  mkdir -p "${TMPDIR}/other" "${BATS_TEST_TMPDIR}/target"
  echo keep >"${BATS_TEST_TMPDIR}/target/file"
  ln -s "${BATS_TEST_TMPDIR}/target" "${TMPDIR}/depot-orb.link"
  run depot_cleanup
  [ "${status}" -eq 0 ]
  [ "${output}" = "depot cleanup: removed 0 private directories." ]
  [ -d "${TMPDIR}/other" ]
  [ -f "${BATS_TEST_TMPDIR}/target/file" ]
}

@test "nothing to clean is not a failure" {
  run depot_cleanup
  [ "${status}" -eq 0 ]
}

@test "the step runs the script as CircleCI does (not sourced) and succeeds" {
  mkdir -p "${TMPDIR}/depot-orb.zzz"
  DEPOT_ORB_TEST='' run bash "${SCRIPT}"
  [ "${status}" -eq 0 ]
  [ ! -e "${TMPDIR}/depot-orb.zzz" ]
}
