# Runs one depot component command (install, build, bake or pull) with the bundled entry point.
# The generator inlines this file as the job's script (install: its before_script). Every input
# arrives as a DEPOT_INPUT_* job variable and is read by the entry point itself: nothing the user
# wrote is ever part of this text. POSIX sh: the default image (node:*-alpine) has no bash.
# The step's private directory (0700, a fresh name with the job ID) holds the entry point and every
# temp or secret file of the step (node runs with TMPDIR there). It goes when the step ends; after
# a cancel, the job's after_script removes it.
depot_status=0
depot_dir="$(mktemp -d "${TMPDIR:-/tmp}/depot-gitlab-job${CI_JOB_ID:-0}.XXXXXX")" || exit 1
chmod 0700 "${depot_dir}"
if command -v node >/dev/null 2>&1; then
  # One node process checks its version, unpacks the bundle (index.js, the chunks it loads lazily
  # and package.json, as brotli+base64 JSON in DEPOT_COMPONENT_ENTRY, ~90 kB, which it then drops
  # from the environment the engine inherits) and runs it.
  # shellcheck disable=SC2016 # the single-quoted text is JavaScript, not shell
  DEPOT_ENV_FILE="${depot_dir}/env" TMPDIR="${depot_dir}" node -e 'const v = process.versions.node; if (Number(v.split(".")[0]) < 20) { console.error(`depot component: Node.js 20 or later is required, found ${v}. Fix: set the image input to an image with Node.js 20+ (default node:22-alpine).`); process.exit(1); } const [file, command] = process.argv.slice(1); const fs = require("fs"), path = require("path"); const files = JSON.parse(require("zlib").brotliDecompressSync(Buffer.from(process.env.DEPOT_COMPONENT_ENTRY || "", "base64"))); for (const [name, text] of Object.entries(files)) { if (name !== path.basename(name)) throw new Error(`bad bundle file name ${name}`); fs.writeFileSync(path.join(path.dirname(file), name), text, { mode: 0o600, flag: "wx" }); } delete process.env.DEPOT_COMPONENT_ENTRY; process.argv = [process.argv[0], file, command]; import(require("url").pathToFileURL(file).href).catch((error) => { console.error(error); process.exitCode = 1; });' "${depot_dir}/index.js" "${DEPOT_COMPONENT_COMMAND:-}" || depot_status=$?
else
  echo "depot component: Node.js 20 or later is required but node is not on PATH. Fix: set the image input to an image with Node.js 20+ (default node:22-alpine), or install Node.js before this job's script." >&2
  depot_status=1
fi
# Keep the encoded bundle out of the environment of the rest of the job (install: your script).
unset DEPOT_COMPONENT_ENTRY
# install: PATH for the job's script (no secret: the depot CLI reads DEPOT_OIDC_TOKEN itself).
if [ "${depot_status}" -eq 0 ] && [ -f "${depot_dir}/env" ]; then
  # shellcheck disable=SC1091 # written by the entry point just above
  . "${depot_dir}/env"
fi
rm -rf -- "${depot_dir}"
unset depot_dir
if [ "${depot_status}" -ne 0 ]; then exit "${depot_status}"; fi
unset depot_status
