# syntax=docker/dockerfile:1
# The Stratum image: one image for the API, the worker and the migrations (deploy/commands.json
# says which command runs which). Build: docker build -t stratum . — details in docs/deploy.md.

# Pinned to an exact Node.js release, without a digest: the digest was not obtainable where this
# file was written (no access to a container registry), and one copied from elsewhere could not be
# checked. Where the image is built, pin it: `docker buildx imagetools inspect
# node:24.22.3-bookworm-slim`, then `FROM node:24.22.3-bookworm-slim@sha256:<that digest>`.
FROM node:24.22.3-bookworm-slim AS base
WORKDIR /app

# Production dependencies only. npm ci runs the postinstall, which applies patches/ with
# patch-package (a production dependency for that reason, so --omit=dev keeps it); the client
# package of the workspace is not part of the server.
FROM base AS deps
COPY package.json package-lock.json .npmrc ./
COPY patches ./patches
RUN npm ci --omit=dev --workspaces=false --no-audit --no-fund

FROM base AS runtime
ENV NODE_ENV=production
# No DATABASE_URL here: without one, production refuses to start rather than run the embedded
# database in a container (one process, one volume). DATA_DIR holds exported files unless
# S3_BUCKET is set; mount a volume there that every API and worker container shares.
ENV DATA_DIR=/var/lib/stratum
RUN mkdir -p /var/lib/stratum/storage && chown -R node:node /var/lib/stratum
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY deploy/healthcheck.ts ./deploy/
# The code belongs to root and is read-only to the process; the image's own unprivileged user runs it.
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "deploy/healthcheck.ts"]
# node itself is PID 1, so SIGTERM reaches the server's handler (npm would not pass it on).
CMD ["node", "src/server.ts"]
