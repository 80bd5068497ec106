#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2016  # bats runs each test in a subshell; stub bodies are literal on purpose
# hooks/environment installs the CLI and exports PATH for the command phase; pre-exit cleans up.
# There is no command hook: the agent runs the step's own command.

load helpers

setup() {
  setup_stub_bin
  unset DEPOT_INSTALL_PRIVATE_DIR BUILDKITE_COMMAND
}

# Sources a hook as the agent does and prints PATH and the private directory afterwards.
source_hook() {
  bash -c '. "$1" && printf "PATH=%s\nDIR=%s\n" "$PATH" "${DEPOT_INSTALL_PRIVATE_DIR:-}"' _ "${PLUGIN_DIR}/hooks/$1"
}

@test "has no command hook" {
  [ ! -e "${PLUGIN_DIR}/hooks/command" ]
}

@test "environment: the PATH the entry point wrote is exported to the job" {
  stub_node 20.19.0 'printf "PATH=/opt/depot/bin:%s\n" "$PATH" >"$DEPOT_PLUGIN_ENV_FILE"'
  run source_hook environment
  [ "${status}" -eq 0 ]
  [ "$(tail -n 1 "${NODE_RECORD}")" = "install" ]
  [[ "${output}" == *"PATH=/opt/depot/bin:${STUB_BIN}"* ]]
}

@test "environment: install runs in a private directory; the environment file is gone afterwards" {
  stub_node 20.19.0 'printf "%s\n" "$TMPDIR" >"${NODE_RECORD}.tmpdir"; echo "PATH=/x:$PATH" >"$DEPOT_PLUGIN_ENV_FILE"'
  run source_hook environment
  [ "${status}" -eq 0 ]
  dir="$(cat "${NODE_RECORD}.tmpdir")"
  [[ "${dir}" == "${TMPDIR}/depot-plugin."* ]]
  [ "$(stat -c %a "${dir}")" = "700" ]
  [ ! -e "${dir}/env" ]
  [[ "${output}" == *"DIR=${dir}"* ]]
}

@test "environment: values in the environment file are assigned, never evaluated" {
  stub_node 20.19.0 'printf "%s\n" "PATH=$PATH:\$(touch $TMPDIR/pwned):\`touch $TMPDIR/pwned2\`" "bad name=1" "; touch $TMPDIR/pwned3" >"$DEPOT_PLUGIN_ENV_FILE"'
  run source_hook environment
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"PATH=${STUB_BIN}:"'$(touch '*'/pwned):`touch '*'/pwned2`'* ]]
  [ ! -e "${TMPDIR}/pwned" ]
  [ ! -e "${TMPDIR}/pwned2" ]
  [ ! -e "${TMPDIR}/pwned3" ]
}

@test "environment: a failed install fails the hook and exports nothing" {
  stub_node 20.19.0 'echo "PATH=/should/not/appear" >"$DEPOT_PLUGIN_ENV_FILE"; exit 3'
  run source_hook environment
  [ "${status}" -eq 3 ]
  [[ "${output}" != *"/should/not/appear"* ]]
}

@test "pre-exit: removes the install's private directory" {
  export DEPOT_INSTALL_PRIVATE_DIR="${TMPDIR}/depot-plugin.i1n2s3"
  mkdir -p "${DEPOT_INSTALL_PRIVATE_DIR}/depot-install-x"
  run source_hook pre-exit
  [ "${status}" -eq 0 ]
  [ ! -e "${DEPOT_INSTALL_PRIVATE_DIR}" ]
}
