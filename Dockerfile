# syntax=docker/dockerfile:1
#
# The agent system in one image: `docker build -t agent-system .`
# How to run it (and the flags the sandbox needs inside a container): docs/deployment.md.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile the server (tsc) and the dashboard (Vite), then drop dev dependencies ----
FROM ${NODE_IMAGE} AS build
# The SQLite driver (sqlite3) is compiled from source on install.
RUN apt-get update \
  && apt-get install -y --no-install-recommends make g++ python3 ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Pruning here keeps the native modules built above: the runtime stage has no compiler, and it
# runs on the same base image, so the binaries match.
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && rm -f dist/web/bundle-report.json

# ---- runtime: Debian slim with what the tools run: bubblewrap, git, Python, Chromium, poppler ----
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends \
    bubblewrap \
    ca-certificates \
    chromium \
    git \
    poppler-utils \
    python3 \
    python3-pip \
    python3-venv \
    time \
    tini \
  && rm -rf /var/lib/apt/lists/*

# A user of its own: the sandbox then uses unprivileged user namespaces (see docs/deployment.md).
# The numeric id lets orchestrators check runAsNonRoot.
RUN groupadd --system --gid 10001 agents \
  && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin agents \
  && mkdir -p /data /workspaces \
  && chown 10001:10001 /data /workspaces \
  && chmod 0700 /data /workspaces

WORKDIR /app
# The application stays root's: the service (and anything that escapes to its user) cannot change it.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config

ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=4000 \
  DATA_DIR=/data \
  CHROMIUM_PATH=/usr/lib/chromium/chromium

# /workspaces is there for deploy/compose.yml (a volume shared by every process): a new named volume
# takes its owner and mode from the image.
VOLUME ["/data"]
EXPOSE 4000
USER 10001:10001

# /healthz answers while the process serves; node itself asks (no curl in the image).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 4000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# tini is PID 1: it forwards SIGTERM to node (graceful shutdown) and reaps orphaned processes.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/main.js"]
CMD ["serve"]
