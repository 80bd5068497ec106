#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031  # bats runs each test in a subshell
# src/scripts/cleanup.sh, the `depot cleanup` step (when: always): removes the private directories
# depot steps of this job left in TMPDIR, and nothing else (another job's on a shared machine).

SCRIPT="$(cd "$(dirname "${BATS_TEST_FILENAME}")/.." && pwd)/src/scripts/cleanup.sh"

setup() {
  export TMPDIR="${BATS_TEST_TMPDIR}/tmp"
  mkdir -p "${TMPDIR}"
  export DEPOT_ORB_TEST=1
  export CIRCLE_WORKFLOW_JOB_ID=0f1e2d3c-job-1
  # shellcheck source=src/scripts/cleanup.sh
  . "${SCRIPT}"
}

@test "removes every directory of this job with the secret files in it" {
  mkdir -p "${TMPDIR}/depot-orb.0f1e2d3c-job-1.a1b2c3/depot-build-x" "${TMPDIR}/depot-orb.0f1e2d3c-job-1.d4e5f6"
  echo secret >"${TMPDIR}/depot-orb.0f1e2d3c-job-1.a1b2c3/depot-build-x/secret-1"
  run depot_cleanup
  [ "${status}" -eq 0 ]
  [ "${output}" = "depot cleanup: removed 2 private directories." ]
  [ -z "$(ls -A "${TMPDIR}")" ]
}

@test "leaves another job's directories alone (a shared machine)" {
  mkdir -p "${TMPDIR}/depot-orb.0f1e2d3c-job-2.a1b2c3" "${TMPDIR}/depot-orb.0f1e2d3c-job-1.d4e5f6"
  run depot_cleanup
  [ "${status}" -eq 0 ]
  [ "${output}" = "depot cleanup: removed 1 private directory." ]
  [ -d "${TMPDIR}/depot-orb.0f1e2d3c-job-2.a1b2c3" ]
}

@test "leaves other files and a symlink named like one of its directories alone" {
  mkdir -p "${TMPDIR}/other" "${BATS_TEST_TMPDIR}/target"
  echo keep >"${BATS_TEST_TMPDIR}/target/file"
  ln -s "${BATS_TEST_TMPDIR}/target" "${TMPDIR}/depot-orb.0f1e2d3c-job-1.link"
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
  mkdir -p "${TMPDIR}/depot-orb.0f1e2d3c-job-1.zzz"
  DEPOT_ORB_TEST='' run bash "${SCRIPT}"
  [ "${status}" -eq 0 ]
  [ ! -e "${TMPDIR}/depot-orb.0f1e2d3c-job-1.zzz" ]
}

@test "under sh (an image without bash) it fails in one line that says so" {
  DEPOT_ORB_TEST='' run sh "${SCRIPT}"
  [ "${status}" -eq 1 ]
  [ "${output}" = "depot orb: this step needs bash, which the image does not have. Fix: use the depot/default executor (cimg/node), or install bash before this step." ]
}
