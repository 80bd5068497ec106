#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2016  # bats runs each test in a subshell; stub bodies are literal on purpose
# hooks/command: which entry point runs, and the Node.js check.

load helpers

setup() {
  setup_stub_bin
  unset BUILDKITE_PLUGIN_DEPOT_COMMAND BUILDKITE_PLUGIN_NAME BUILDKITE_COMMAND
}

@test "command defaults to build and runs the bundled entry point" {
  stub_node 20.19.0
  run "${PLUGIN_DIR}/hooks/command"
  [ "${status}" -eq 0 ]
  [ "$(cat "${NODE_RECORD}")" = "${PLUGIN_DIR}/dist/index.js
build" ]
}

@test "command: bake runs the entry point with bake" {
  stub_node 22.1.0
  export BUILDKITE_PLUGIN_DEPOT_COMMAND=bake
  run "${PLUGIN_DIR}/hooks/command"
  [ "${status}" -eq 0 ]
  [ "$(tail -n 1 "${NODE_RECORD}")" = "bake" ]
}

@test "command: pull runs the entry point with pull" {
  stub_node 20.19.0
  export BUILDKITE_PLUGIN_DEPOT_COMMAND=pull
  run "${PLUGIN_DIR}/hooks/command"
  [ "${status}" -eq 0 ]
  [ "$(tail -n 1 "${NODE_RECORD}")" = "pull" ]
}

@test "the plugin name the agent derives (BUILDKITE_PLUGIN_NAME) selects the variables read" {
  stub_node 20.0.0
  export BUILDKITE_PLUGIN_NAME=MY-DEPOT
  export BUILDKITE_PLUGIN_MY_DEPOT_COMMAND=bake
  run "${PLUGIN_DIR}/hooks/command"
  [ "${status}" -eq 0 ]
  [ "$(tail -n 1 "${NODE_RECORD}")" = "bake" ]
}

@test "the entry point's exit status is the hook's" {
  stub_node 20.19.0 'exit 7'
  run "${PLUGIN_DIR}/hooks/command"
  [ "${status}" -eq 7 ]
}

@test "an unknown command fails with the accepted values and runs nothing" {
  stub_node 20.19.0
  export BUILDKITE_PLUGIN_DEPOT_COMMAND='build; touch pwned'
  run "${PLUGIN_DIR}/hooks/command"
  [ "${status}" -ne 0 ]
  [[ "${output}" == *"command must be build, bake or pull"* ]]
  [ ! -e "${NODE_RECORD}" ]
  [ ! -e pwned ]
}

@test "without node on PATH: one line that says how to fix it, non-zero" {
  run "${PLUGIN_DIR}/hooks/command"
  [ "${status}" -eq 1 ]
  [ "$(printf '%s\n' "${output}" | grep -c 'depot plugin:')" -eq 1 ]
  [[ "${output}" == *"Node.js 20 or later is required but node is not on PATH. Fix: install Node.js 20+"* ]]
}

@test "with Node.js 18: one line naming the version found, non-zero, entry point not run" {
  stub_node 18.19.1
  run "${PLUGIN_DIR}/hooks/command"
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"Node.js 20 or later is required, found 18.19.1. Fix:"* ]]
  [ ! -e "${NODE_RECORD}" ]
}

@test "the step's own command is not run in build mode, and the hook says so" {
  stub_node 20.19.0
  export BUILDKITE_COMMAND="touch ${BATS_TEST_TMPDIR}/ran"
  run "${PLUGIN_DIR}/hooks/command"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"the step's command is not run"* ]]
  [ ! -e "${BATS_TEST_TMPDIR}/ran" ]
}

@test "command: install is refused with a pointer to the depot-install plugin" {
  stub_node 20.19.0
  export BUILDKITE_PLUGIN_DEPOT_COMMAND=install
  export BUILDKITE_COMMAND="touch ${BATS_TEST_TMPDIR}/ran"
  run "${PLUGIN_DIR}/hooks/command"
  [ "${status}" -ne 0 ]
  [[ "${output}" == *"use the depot-install plugin (depot-actions/depot-install)"* ]]
  [ ! -e "${NODE_RECORD}" ]
  [ ! -e "${BATS_TEST_TMPDIR}/ran" ]
}

@test "the entry point runs with TMPDIR in the job's private directory" {
  stub_node 20.19.0 'printf "%s\n" "$TMPDIR" >"${NODE_RECORD}.tmpdir"'
  export DEPOT_PLUGIN_PRIVATE_DIR="${BATS_TEST_TMPDIR}/depot-plugin.abc123"
  mkdir -m 0700 "${DEPOT_PLUGIN_PRIVATE_DIR}"
  run "${PLUGIN_DIR}/hooks/command"
  [ "${status}" -eq 0 ]
  [ "$(cat "${NODE_RECORD}.tmpdir")" = "${DEPOT_PLUGIN_PRIVATE_DIR}" ]
}

@test "without the environment hook's directory, the command hook makes one" {
  stub_node 20.19.0 'printf "%s\n" "$TMPDIR" >"${NODE_RECORD}.tmpdir"'
  unset DEPOT_PLUGIN_PRIVATE_DIR
  run "${PLUGIN_DIR}/hooks/command"
  [ "${status}" -eq 0 ]
  [[ "$(cat "${NODE_RECORD}.tmpdir")" == "${BATS_TEST_TMPDIR}/depot-plugin."* ]]
}
