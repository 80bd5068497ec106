#!/usr/bin/env bash
# Shared functions of the depot plugin's hooks. Option values are never expanded into commands
# here: the entry point reads BUILDKITE_PLUGIN_CONFIGURATION itself; the hooks only read
# `command`, which must be one of three words.

DEPOT_NODE_MAJOR_MIN=20

# The plugin's own directory (hooks/.. ).
depot_plugin_dir() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd
}

# The `command` option (build, bake or install; default build), from the agent's variables.
depot_plugin_command() {
  local name prefix var value
  name="${BUILDKITE_PLUGIN_NAME:-DEPOT}"
  prefix="$(printf '%s' "${name}" | tr '[:lower:]' '[:upper:]' | tr -c 'A-Z0-9\n' '_')"
  var="BUILDKITE_PLUGIN_${prefix}_COMMAND"
  value="${!var:-build}"
  case "${value}" in
    build | bake | install) printf '%s\n' "${value}" ;;
    *)
      echo "depot plugin: command must be build, bake or install (got '${value}')." >&2
      return 1
      ;;
  esac
}

# Prints one line that says what to fix and fails, unless Node.js 20+ is on PATH.
depot_require_node() {
  local version
  if ! command -v node >/dev/null 2>&1; then
    echo "depot plugin: Node.js ${DEPOT_NODE_MAJOR_MIN} or later is required but node is not on PATH. Fix: install Node.js ${DEPOT_NODE_MAJOR_MIN}+ on the agent, or run the step in an image that has it." >&2
    return 1
  fi
  version="$(node -p 'process.versions.node' 2>/dev/null || true)"
  if [[ ! "${version}" =~ ^([0-9]+)\. ]] || ((BASH_REMATCH[1] < DEPOT_NODE_MAJOR_MIN)); then
    echo "depot plugin: Node.js ${DEPOT_NODE_MAJOR_MIN} or later is required, found ${version:-an unknown version}. Fix: install Node.js ${DEPOT_NODE_MAJOR_MIN}+ on the agent, or run the step in an image that has it." >&2
    return 1
  fi
}

# Runs the bundled entry point for one command; its exit status is the function's.
depot_run_entry() {
  local command="$1"
  depot_require_node || return 1
  node "$(depot_plugin_dir)/dist/index.js" "${command}"
}

# Exports the NAME=VALUE lines the entry point wrote (the install command's PATH). Only names are
# checked; values are assigned, never evaluated.
depot_apply_env_file() {
  local file="$1" line name value
  [[ -s "${file}" ]] || return 0
  while IFS= read -r line || [[ -n "${line}" ]]; do
    name="${line%%=*}"
    value="${line#*=}"
    if [[ ! "${name}" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
      echo "depot plugin: ignoring a malformed line in the environment file." >&2
      continue
    fi
    export "${name}=${value}"
  done <"${file}"
}

# `command: install`: installs the CLI and exports PATH into the job's environment (the agent
# carries what a hook exports into the later phases of the same job).
depot_install() {
  local env_file status=0
  depot_require_node || return 1
  env_file="$(mktemp "${TMPDIR:-/tmp}/depot-plugin-env.XXXXXX")"
  DEPOT_PLUGIN_ENV_FILE="${env_file}" node "$(depot_plugin_dir)/dist/index.js" install || status=$?
  if ((status == 0)); then
    depot_apply_env_file "${env_file}"
  fi
  rm -f -- "${env_file}"
  return "${status}"
}
