#!/usr/bin/env bash
# Builds the image (Dockerfile) and runs a smoke test in a container: the service starts as its
# non-root user, answers /healthz and /readyz, bubblewrap really sandboxes inside the container
# (with the flags docs/deployment.md gives), a command runs in a task's workspace, and the
# backup command works. Used by .ci/run when Docker can run on the machine.
#
# Without Docker Hub (a closed network), the base image the Dockerfile names cannot be pulled: the
# script then makes a local one with debootstrap (Debian bookworm, minbase) plus this machine's
# Node.js, npm and headers, and the machine's extra CA certificates (its TLS-intercepting proxy),
# and builds with --build-arg NODE_IMAGE=<that image>. That image is for this machine's CI only.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${SMOKE_IMAGE:-agent-system:smoke}
NODE_IMAGE=${NODE_IMAGE:-node:20-bookworm-slim}
LOCAL_BASE=agent-system-base:local
log() { printf '\n==> %s\n' "$*"; }

ensure_daemon() {
  docker info >/dev/null 2>&1 && return 0
  command -v dockerd >/dev/null 2>&1 || return 1
  log "starting dockerd"
  (dockerd >/tmp/agent-system-dockerd.log 2>&1 &)
  for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && return 0; sleep 0.5; done
  return 1
}

local_base() {
  docker image inspect "$LOCAL_BASE" >/dev/null 2>&1 && return 0
  log "no $NODE_IMAGE: making $LOCAL_BASE (debootstrap bookworm + this machine's Node.js $(node -v))"
  local root
  root=$(mktemp -d /tmp/agent-system-rootfs.XXXXXX)
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/tmp/agent-system-debootstrap.log
  cp "$(command -v node)" "$root/usr/bin/node"
  mkdir -p "$root/usr/lib/node_modules" "$root/usr/include" "$root/usr/local/share/ca-certificates"
  cp -a "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" "$root/usr/lib/node_modules/npm"
  cp -a /usr/include/node "$root/usr/include/node"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
  local extra=()
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    mkdir -p "$root/etc/ssl"
    cat /usr/local/share/ca-certificates/*.crt >"$root/etc/ssl/host-extra-ca.pem"
    extra=(--change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/host-extra-ca.pem")
  fi
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import "${extra[@]}" --change "ENV npm_config_nodedir=/usr" - "$LOCAL_BASE" >/dev/null
  rm -rf "$root"
}

if ! ensure_daemon; then
  echo "Docker cannot run here: image build and smoke test skipped" >&2
  exit 0
fi

base=$NODE_IMAGE
if ! docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 && ! timeout 60 docker pull -q "$NODE_IMAGE" >/dev/null 2>&1; then
  local_base
  base=$LOCAL_BASE
fi

log "docker build ($base)"
started=$(date +%s)
docker build -q --build-arg NODE_IMAGE="$base" -t "$IMAGE" . >/dev/null
echo "built $IMAGE in $(($(date +%s) - started)) s, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"

log "smoke test"
node scripts/docker-smoke.mjs "$IMAGE"
