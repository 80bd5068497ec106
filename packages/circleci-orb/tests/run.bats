#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2016  # bats runs each test in a subshell; stub bodies are literal on purpose
# src/scripts/run.sh: the Node.js check, unpacking the entry point, running it, cleaning up.

SCRIPT="$(cd "$(dirname "${BATS_TEST_FILENAME}")/.." && pwd)/src/scripts/run.sh"

setup() {
  REAL_NODE="$(command -v node)"
  export REAL_NODE
  STUB_BIN="${BATS_TEST_TMPDIR}/bin"
  mkdir -p "${STUB_BIN}"
  local tool
  for tool in bash cat chmod grep ls mkdir mktemp rm; do
    ln -sf "$(command -v "${tool}")" "${STUB_BIN}/${tool}"
  done
  export PATH="${STUB_BIN}"
  export TMPDIR="${BATS_TEST_TMPDIR}/tmp"
  mkdir -p "${TMPDIR}"
  export NODE_RECORD="${BATS_TEST_TMPDIR}/node.record"
  export DEPOT_ORB_TEST=1 DEPOT_ORB_COMMAND=build
  # A tiny stand-in for the bundle, packed the way the orb packs it (brotli, then base64).
  DEPOT_ORB_ENTRY="$("${REAL_NODE}" -e 'const files = { "index.js": "console.log(\"entry\");\n", "1.index.js": "export const id = 1;\n", "package.json": "{\"type\":\"module\"}\n" }; process.stdout.write(require("zlib").brotliCompressSync(JSON.stringify(files)).toString("base64"))')"
  export DEPOT_ORB_ENTRY
  # shellcheck source=src/scripts/run.sh
  . "${SCRIPT}"
}

# A `node` that reports VERSION for `-p`, decodes the entry with the real node for `-e`, and
# otherwise records its argv, the entry file's text and whether DEPOT_ORB_ENTRY leaked into its
# environment, then runs BODY.
stub_node() {
  local version="$1" body="${2:-}"
  cat >"${STUB_BIN}/node" <<STUB
#!/usr/bin/env bash
if [[ "\$1" == "-p" ]]; then echo "${version}"; exit 0; fi
if [[ "\$1" == "-e" ]]; then exec "${REAL_NODE}" "\$@"; fi
{ printf 'argv:%s\n' "\$@"; printf 'entry:%s' "\$(cat "\$1")"; printf '\nleaked:%s\n' "\${DEPOT_ORB_ENTRY:-no}"; } >"\${NODE_RECORD}"
${body}
STUB
  chmod +x "${STUB_BIN}/node"
}

@test "unpacks the entry point and runs it with the command" {
  stub_node 20.19.0
  run depot_main
  [ "${status}" -eq 0 ]
  grep -q '^argv:build$' "${NODE_RECORD}"
  grep -q '^entry:console.log("entry");$' "${NODE_RECORD}"
  grep -q '^argv:.*/depot-orb\.[^/]*/index\.js$' "${NODE_RECORD}"
}

@test "the step's directory carries the job's ID, which the cleanup step matches" {
  stub_node 20.19.0
  CIRCLE_WORKFLOW_JOB_ID='0f1e2d3c-job-1' run depot_main
  [ "${status}" -eq 0 ]
  grep -q '^argv:.*/depot-orb\.0f1e2d3c-job-1\.[^/]*/index\.js$' "${NODE_RECORD}"
}

@test "each command reaches the entry point" {
  stub_node 22.0.0
  for command in install build bake pull; do
    DEPOT_ORB_COMMAND="${command}" run depot_main
    [ "${status}" -eq 0 ]
    grep -q "^argv:${command}\$" "${NODE_RECORD}"
  done
}

@test "the encoded entry point is not passed on to node's environment" {
  stub_node 20.19.0
  run depot_main
  grep -q '^leaked:no$' "${NODE_RECORD}"
}

@test "the unpacked entry point is removed when the step ends, also on failure" {
  stub_node 20.19.0 'exit 5'
  run depot_main
  [ "${status}" -eq 5 ]
  [ -z "$(ls -A "${TMPDIR}")" ]
}

@test "an unknown command fails before anything runs" {
  stub_node 20.19.0
  DEPOT_ORB_COMMAND='build; touch pwned' run depot_main
  [ "${status}" -eq 2 ]
  [[ "${output}" == *"DEPOT_ORB_COMMAND must be install, build, bake or pull"* ]]
  [ ! -e "${NODE_RECORD}" ]
}

@test "an orb packed without its entry point says so" {
  stub_node 20.19.0
  DEPOT_ORB_ENTRY='' run depot_main
  [ "${status}" -eq 2 ]
  [[ "${output}" == *"DEPOT_ORB_ENTRY is empty"* ]]
}

@test "without node on PATH: one line that says how to fix it, non-zero" {
  run depot_main
  [ "${status}" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "${output}" == "depot orb: Node.js 20 or later is required but node is not on PATH. Fix: use the depot/default executor"* ]]
}

@test "with Node.js 18: one line naming the version found, non-zero, nothing run" {
  stub_node 18.19.1
  run depot_main
  [ "${status}" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "${output}" == *"Node.js 20 or later is required, found 18.19.1. Fix:"* ]]
  [ ! -e "${NODE_RECORD}" ]
}

@test "run as a script (as CircleCI does), it runs the command" {
  stub_node 20.19.0
  DEPOT_ORB_TEST='' run bash "${SCRIPT}"
  [ "${status}" -eq 0 ]
  grep -q '^argv:build$' "${NODE_RECORD}"
}
