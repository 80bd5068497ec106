#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031  # bats runs each test in a subshell
# hooks/environment and hooks/pre-exit: the job's private directory, made before the command
# phase and removed at the end of every job, cancelled ones included.

load helpers

setup() {
  setup_stub_bin
  unset DEPOT_PLUGIN_PRIVATE_DIR
}

# Sources a hook as the agent does, then prints the variable the hooks share.
source_hook() {
  bash -c '. "$1" && printf "DIR=%s\n" "${DEPOT_PLUGIN_PRIVATE_DIR:-}"' _ "${PLUGIN_DIR}/hooks/$1"
}

@test "environment: exports a new private directory (0700) in TMPDIR" {
  run source_hook environment
  [ "${status}" -eq 0 ]
  dir="${output#DIR=}"
  [[ "${dir}" == "${TMPDIR}/depot-plugin."* ]]
  [ -d "${dir}" ]
  [ "$(stat -c %a "${dir}")" = "700" ]
}

@test "pre-exit: removes the private directory and everything in it" {
  export DEPOT_PLUGIN_PRIVATE_DIR="${TMPDIR}/depot-plugin.x1y2z3"
  mkdir -p "${DEPOT_PLUGIN_PRIVATE_DIR}/depot-build-1"
  echo secret >"${DEPOT_PLUGIN_PRIVATE_DIR}/depot-build-1/secret-1"
  run source_hook pre-exit
  [ "${status}" -eq 0 ]
  [ ! -e "${DEPOT_PLUGIN_PRIVATE_DIR}" ]
  [ "${output}" = "DIR=" ]
}

@test "pre-exit: leaves alone a path that is not one of its directories, or a symlink" {
  mkdir -p "${TMPDIR}/precious" "${TMPDIR}/target"
  ln -s "${TMPDIR}/target" "${TMPDIR}/depot-plugin.link"
  export DEPOT_PLUGIN_PRIVATE_DIR="${TMPDIR}/precious"
  run source_hook pre-exit
  [ -d "${TMPDIR}/precious" ]
  export DEPOT_PLUGIN_PRIVATE_DIR="${TMPDIR}/depot-plugin.link"
  run source_hook pre-exit
  [ "${status}" -eq 0 ]
  [ -d "${TMPDIR}/target" ]
}

@test "pre-exit: nothing to do when the environment hook never ran" {
  run source_hook pre-exit
  [ "${status}" -eq 0 ]
}
