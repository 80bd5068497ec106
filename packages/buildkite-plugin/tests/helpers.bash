#!/usr/bin/env bash
# Test helpers: a private bin directory with stub commands, and a PATH of only that directory
# (plus links to the few tools the hooks use), so a real `node` or `buildkite-agent` never runs.

# shellcheck disable=SC2034  # used by the test files
PLUGIN_DIR="$(cd "$(dirname "${BATS_TEST_FILENAME}")/.." && pwd)"

setup_stub_bin() {
  STUB_BIN="${BATS_TEST_TMPDIR}/bin"
  mkdir -p "${STUB_BIN}"
  local tool
  for tool in basename bash cat chmod dirname env grep ln mkdir mktemp rm sed stat tail touch tr; do
    ln -sf "$(command -v "${tool}")" "${STUB_BIN}/${tool}"
  done
  export PATH="${STUB_BIN}"
  export TMPDIR="${BATS_TEST_TMPDIR}"
  export NODE_RECORD="${BATS_TEST_TMPDIR}/node.record"
}

# A `node` that reports VERSION for `node -p process.versions.node` and otherwise records its
# arguments (one per line), then runs BODY (shell code, optional).
stub_node() {
  local version="$1" body="${2:-}"
  cat >"${STUB_BIN}/node" <<STUB
#!/usr/bin/env bash
if [[ "\$1" == "-p" ]]; then echo "${version}"; exit 0; fi
printf '%s\n' "\$@" >"\${NODE_RECORD}"
${body}
STUB
  chmod +x "${STUB_BIN}/node"
}
