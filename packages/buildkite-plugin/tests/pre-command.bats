#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2016  # bats runs each test in a subshell; stub bodies are literal on purpose
# hooks/pre-command: `command: install` installs the CLI and exports PATH for the command phase.

load helpers

setup() {
  setup_stub_bin
  unset BUILDKITE_PLUGIN_DEPOT_COMMAND BUILDKITE_PLUGIN_NAME BUILDKITE_COMMAND
}

# Sources the hook as the agent does and prints PATH afterwards.
source_hook() {
  bash -c '. "$1" && printf "PATH=%s\n" "$PATH"' _ "${PLUGIN_DIR}/hooks/pre-command"
}

@test "install: the PATH the entry point wrote is exported to the job" {
  stub_node 20.19.0 'printf "PATH=/opt/depot/bin:%s\n" "$PATH" >"$DEPOT_PLUGIN_ENV_FILE"'
  export BUILDKITE_PLUGIN_DEPOT_COMMAND=install
  run source_hook
  [ "${status}" -eq 0 ]
  [ "$(sed -n 2p "${NODE_RECORD}")" = "install" ]
  [[ "${output}" == *"PATH=/opt/depot/bin:${STUB_BIN}"* ]]
}

@test "install: the environment file is removed afterwards" {
  stub_node 20.19.0 'echo "$DEPOT_PLUGIN_ENV_FILE" >"$TMPDIR/env-file-name"; echo "PATH=/x:$PATH" >"$DEPOT_PLUGIN_ENV_FILE"'
  export BUILDKITE_PLUGIN_DEPOT_COMMAND=install
  run source_hook
  [ "${status}" -eq 0 ]
  [ ! -e "$(cat "${BATS_TEST_TMPDIR}/env-file-name")" ]
}

@test "install: values in the environment file are assigned, never evaluated" {
  # shellcheck disable=SC2016
  stub_node 20.19.0 'printf "%s\n" "PATH=$PATH:\$(touch $TMPDIR/pwned):\`touch $TMPDIR/pwned2\`" "bad name=1" "; touch $TMPDIR/pwned3" >"$DEPOT_PLUGIN_ENV_FILE"'
  export BUILDKITE_PLUGIN_DEPOT_COMMAND=install
  run bash -c '. "$1"; printf "PATH=%s\n" "$PATH"' _ "${PLUGIN_DIR}/hooks/pre-command"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"PATH=${STUB_BIN}:"'$(touch '*'/pwned):`touch '*'/pwned2`'* ]]
  [[ "${output}" == *"ignoring a malformed line"* ]]
  [ ! -e "${BATS_TEST_TMPDIR}/pwned" ]
  [ ! -e "${BATS_TEST_TMPDIR}/pwned2" ]
  [ ! -e "${BATS_TEST_TMPDIR}/pwned3" ]
}

@test "install: a failed install fails the hook and exports nothing" {
  stub_node 20.19.0 'echo "PATH=/should-not-apply" >"$DEPOT_PLUGIN_ENV_FILE"; exit 3'
  export BUILDKITE_PLUGIN_DEPOT_COMMAND=install
  run source_hook
  [ "${status}" -eq 3 ]
  [[ "${output}" != *"/should-not-apply"* ]]
}

@test "install without Node.js 20: one-line error, non-zero" {
  stub_node 18.20.4
  export BUILDKITE_PLUGIN_DEPOT_COMMAND=install
  run "${PLUGIN_DIR}/hooks/pre-command"
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"Node.js 20 or later is required, found 18.20.4"* ]]
}

@test "build and bake do nothing in pre-command" {
  stub_node 20.19.0
  for command in build bake; do
    export BUILDKITE_PLUGIN_DEPOT_COMMAND="${command}"
    run "${PLUGIN_DIR}/hooks/pre-command"
    [ "${status}" -eq 0 ]
    [ ! -e "${NODE_RECORD}" ]
  done
}
