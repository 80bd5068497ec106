#!/usr/bin/env bash
# Shared functions of the depot plugins' hooks (depot: build, bake and pull; depot-install: install).
# Option values are never expanded into commands here: the entry point reads the configuration
# itself; the hooks only read `command`, which must be one of three words.

DEPOT_NODE_MAJOR_MIN=20

# The plugin's own directory (hooks/..).
depot_plugin_dir() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd
}

# The `command` option of the depot plugin (build, bake or pull; default build), from the agent's variables.
depot_plugin_command() {
  local name prefix var value
  name="${BUILDKITE_PLUGIN_NAME:-DEPOT}"
  prefix="$(printf '%s' "${name}" | tr '[:lower:]' '[:upper:]' | tr -c 'A-Z0-9\n' '_')"
  var="BUILDKITE_PLUGIN_${prefix}_COMMAND"
  value="${!var:-build}"
  case "${value}" in
    build | bake | pull) printf '%s\n' "${value}" ;;
    install)
      echo "depot plugin: command: install moved to its own plugin, so the step's command runs as usual. Fix: use the depot-install plugin (depot-actions/depot-install) for this block." >&2
      return 1
      ;;
    *)
      echo "depot plugin: command must be build, bake or pull (got '${value}')." >&2
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

# Creates this job's private directory (mode 0700, a fresh name from mktemp) and exports its path
# in the variable named by $1. Every temp and secret file of the step lives there, so the pre-exit
# hook, which the agent runs at the end of every job, cancelled ones included, removes them all.
depot_make_private_dir() {
  local var="$1" dir
  dir="$(mktemp -d "${TMPDIR:-/tmp}/depot-plugin.XXXXXX")" || return 1
  chmod 0700 "${dir}"
  export "${var}=${dir}"
}

# Removes the private directory named by the variable $1, if it is one of ours: a directory (not
# a symlink) made by depot_make_private_dir.
depot_remove_private_dir() {
  local var="$1" dir
  dir="${!var:-}"
  [[ -n "${dir}" ]] || return 0
  case "$(basename -- "${dir}")" in
    depot-plugin.*) ;;
    *) return 0 ;;
  esac
  if [[ -d "${dir}" && ! -L "${dir}" ]]; then
    rm -rf -- "${dir}"
  fi
  unset "${var}"
}

# Runs the bundled entry point for one command with TMPDIR in the private directory named by $1
# (made now if an earlier hook did not). The entry's exit status is the function's.
depot_run_entry() {
  local command="$1" var="$2"
  depot_require_node || return 1
  if [[ -z "${!var:-}" || ! -d "${!var}" ]]; then
    depot_make_private_dir "${var}" || return 1
  fi
  TMPDIR="${!var}" node "$(depot_plugin_dir)/dist/index.js" "${command}"
}

# Exports the NAME=VALUE lines the entry point wrote (install's PATH). Only names are checked;
# values are assigned, never evaluated.
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

# install: installs the CLI and exports PATH into the job's environment (the agent carries what an
# environment hook exports into the later phases of the same job, the command phase included).
depot_install() {
  local var="DEPOT_INSTALL_PRIVATE_DIR" env_file status=0
  depot_require_node || return 1
  if [[ -z "${!var:-}" || ! -d "${!var}" ]]; then
    depot_make_private_dir "${var}" || return 1
  fi
  env_file="${!var}/env"
  : >"${env_file}"
  DEPOT_PLUGIN_ENV_FILE="${env_file}" TMPDIR="${!var}" \
    node "$(depot_plugin_dir)/dist/index.js" install || status=$?
  if ((status == 0)); then
    depot_apply_env_file "${env_file}"
  fi
  rm -f -- "${env_file}"
  return "${status}"
}
