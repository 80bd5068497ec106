#!/usr/bin/env bash
# Prints the digest a registry serves for <repository>:<tag>, from the Docker-Content-Digest
# header of a manifest HEAD request (the Distribution API), so the workflow can compare it with
# the digest the action reported.
#
#   .github/ci/registry-digest.sh localhost:5000 depot-actions/hello <tag>
set -euo pipefail
registry=$1 repository=$2 tag=$3
curl -fsSI \
  -H 'Accept: application/vnd.oci.image.index.v1+json' \
  -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
  -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
  "http://${registry}/v2/${repository}/manifests/${tag}" |
  tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }'
