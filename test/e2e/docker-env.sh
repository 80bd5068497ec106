#!/usr/bin/env bash
# Starts the real parts the end-to-end tests use, on loopback only: Debian's dockerd (vfs storage,
# no bridge, no iptables; builds need --network host for RUN) and Debian's docker-registry, then
# imports a busybox base image made from busybox-static (nothing can be pulled here).
#
#   test/e2e/docker-env.sh start   # prints the variables to export (DOCKER_HOST, registry, base image)
#   test/e2e/docker-env.sh stop
set -euo pipefail

STATE=${DEPOT_E2E_STATE:-/tmp/depot-actions-e2e}
SOCK="$STATE/docker.sock"
REGISTRY=127.0.0.1:5000
BASE_IMAGE=depot-actions-e2e/busybox:latest
DOCKER=/usr/bin/docker # Debian's 20.10 client builds with the daemon's BuildKit without buildx

start() {
  mkdir -p "$STATE"
  if ! [ -S "$SOCK" ] || ! DOCKER_HOST="unix://$SOCK" "$DOCKER" version >/dev/null 2>&1; then
    dockerd --storage-driver=vfs --iptables=false --bridge=none \
      --data-root="$STATE/data" --exec-root="$STATE/exec" --pidfile="$STATE/dockerd.pid" \
      -H "unix://$SOCK" >"$STATE/dockerd.log" 2>&1 &
    for _ in $(seq 60); do
      DOCKER_HOST="unix://$SOCK" "$DOCKER" version >/dev/null 2>&1 && break
      sleep 0.5
    done
    DOCKER_HOST="unix://$SOCK" "$DOCKER" version >/dev/null || { tail -20 "$STATE/dockerd.log" >&2; exit 1; }
  fi

  if ! curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1; then
    cat >"$STATE/registry.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY
YAML
    docker-registry serve "$STATE/registry.yml" >"$STATE/registry.log" 2>&1 &
    echo $! >"$STATE/registry.pid"
    for _ in $(seq 40); do
      curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1 && break
      sleep 0.25
    done
    curl -fsS "http://$REGISTRY/v2/" >/dev/null || { tail -20 "$STATE/registry.log" >&2; exit 1; }
  fi

  if ! DOCKER_HOST="unix://$SOCK" "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    rootfs=$(mktemp -d)
    mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
    cp /bin/busybox "$rootfs/bin/busybox"
    for applet in sh echo cat ls mkdir rm cp mv true false sleep env; do ln -s busybox "$rootfs/bin/$applet"; done
    tar -C "$rootfs" -c . | DOCKER_HOST="unix://$SOCK" "$DOCKER" import -c 'CMD ["/bin/sh"]' - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
  fi

  echo "DOCKER_HOST=unix://$SOCK"
  echo "DEPOT_E2E_REGISTRY=$REGISTRY"
  echo "DEPOT_E2E_BASE_IMAGE=$BASE_IMAGE"
}

stop() {
  for pidfile in "$STATE/registry.pid" "$STATE/dockerd.pid"; do
    if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
