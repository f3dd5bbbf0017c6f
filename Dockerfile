# syntax=docker/dockerfile:1
# Keyward's container image: the pinned Node.js, production dependencies only, running as the
# unprivileged `node` user, state on the /data volume, health checked on /healthz.
#   docker build -t keyward .
#   docker run -p 8080:8080 -v keyward-data:/data -e KEYWARD_MASTER_KEY="$(openssl rand -base64 32)" keyward
# The config is /etc/keyward/keyward.yaml (deploy/docker/keyward.yaml); mount your own over it.
# No container engine runs on the project's machines, so this file is checked by test/deploy
# (pinned version, user, volume, health check run against a real Keyward) but never built there.

# Keep equal to the `node` devDependency in package-lock.json (test/deploy checks it).
ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Without install scripts the `node` devDependency does not download a second Node.js: this
# image already is that version, and it runs the build.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN rm -f node_modules/.bin/node \
  && npm run build \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    KEYWARD_CONFIG=/etc/keyward/keyward.yaml
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY deploy/docker/keyward.yaml /etc/keyward/keyward.yaml
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/bin.js"]
CMD ["start"]
