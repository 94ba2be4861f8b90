# Build:  docker build -t qbank-gateway .
# Run:    docker run -p 3000:3000 -e QBANK_BASE_URL=… -e QBANK_CLIENT_ID=… -e QBANK_CLIENT_SECRET=… \
#           -e QBANK_WEBHOOK_SECRET=… -e AUTH_JWKS_URL=… -e AUTH_ISSUER=… -e DATABASE_URL=postgres://… qbank-gateway
# No `# syntax=` line: it makes BuildKit fetch a frontend image from a registry before building anything.
# docs/deployment.md says how to run it; scripts/image-check.sh builds and runs it end to end.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 is compiled here, from source, against the headers the official image ships in
# /usr/local/include/node: nothing but the npm registry is fetched (no prebuilt binary, no Node headers).
# (npm warns that it does not know build-from-source: prebuild-install reads it from the environment.)
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local npm_config_build_from_source=true
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The runtime's node_modules: production dependencies only. `--omit=optional` too, because TypeScript is an
# optional peer of @nestjs/swagger (for its compiler plugin, unused here) and npm keeps such a dev dependency
# (`devOptional`) when only dev is omitted: 24 MB. The other optional ones are dev peers (Express) and
# pg-cloudflare (Cloudflare Workers only). Of better-sqlite3 only the module and its JavaScript are kept:
# its SQLite sources and object files (~27 MB) are build leftovers; the .node file links SQLite statically.
RUN npm run build \
  && npm prune --omit=dev --omit=optional --no-audit --no-fund \
  && cd node_modules/better-sqlite3 \
  && mv build/Release/better_sqlite3.node . \
  && rm -rf build deps src binding.gyp \
  && mkdir -p build/Release && mv better_sqlite3.node build/Release/ \
  && cd /app && node -e "new (require('better-sqlite3'))(':memory:').close()" \
  && test ! -e node_modules/typescript

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
# The code stays root's (the process cannot change it); only the data directory is the node user's.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/libs ./dist/libs
COPY --from=build /app/config ./config
# The default SQLite database (sqlite:./data/gateway.sqlite) lives here. A named volume mounted on it starts
# as this directory is, owned by node; a bind-mounted host directory must be writable by uid 1000.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
