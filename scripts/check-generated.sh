#!/usr/bin/env bash
# Rebuilds every generated file (dist/ bundles, action.yml files, README tables, plugin.yml, the
# packed orb) and fails when the result differs from what is committed: users run the committed
# dist/, so it must be exactly what the source builds. Used by .ci/run and the GitHub workflows.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run build
if ! git diff --exit-code --stat -- dist actions packages README.md; then
  echo "Generated files differ from what is committed: run 'npm run build' and commit the result." >&2
  exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- dist actions packages)
if [ -n "$untracked" ]; then
  echo "Untracked generated files: $untracked" >&2
  exit 1
fi
