# syntax=docker/dockerfile:1.7
# Reference production image for the DropIt API, as the deployment guide describes it:
# multi-stage, Node 20 Alpine, BuildKit pnpm cache, non-root user 1001, dumb-init, healthcheck.
# Build context: the root of a DropIt checkout (the workspace and shared packages are needed).

FROM node:20-alpine AS base
ENV PNPM_HOME=/pnpm \
    COREPACK_HOME=/corepack \
    PATH=/pnpm:$PATH
# The app pins pnpm in package.json ("packageManager"); prepared here so runtime needs no download.
RUN corepack enable && corepack prepare pnpm@9.7.1 --activate && chmod -R a+rX /corepack
WORKDIR /repo

FROM base AS builder
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc* ./
RUN --mount=type=cache,id=pnpm,target=/pnpm/store pnpm fetch
COPY . .
RUN --mount=type=cache,id=pnpm,target=/pnpm/store pnpm install -r --offline --frozen-lockfile
RUN pnpm --filter "{apps/api}..." build
RUN pnpm deploy --prod --filter=./apps/api /out/api

FROM base AS runner
RUN apk add --no-cache dumb-init \
 && addgroup -g 1001 -S nodejs \
 && adduser -S -u 1001 -G nodejs nestjs
ENV NODE_ENV=production \
    API_PORT=3000 \
    MIKRO_ORM_CLI_USE_TS_NODE=false \
    MIKRO_ORM_CLI_CONFIG=dist/config/mikro-orm.config.js
WORKDIR /app
COPY --from=builder --chown=nestjs:nodejs /out/api/node_modules ./node_modules
COPY --from=builder --chown=nestjs:nodejs /out/api/dist ./dist
COPY --from=builder --chown=nestjs:nodejs /out/api/package.json ./package.json
USER 1001
EXPOSE 3000
# The Swarm service sets its own healthcheck on dropit:api.healthPath; this one serves plain `docker run`.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "require('http').get('http://127.0.0.1:'+(process.env.API_PORT||3000)+'/api',r=>process.exit(r.statusCode<400?0:1)).on('error',()=>process.exit(1))"
ENTRYPOINT ["dumb-init", "--"]
# The app has no migrations yet: it syncs its schema at every start (a backup precedes image changes).
CMD ["sh", "-c", "pnpm db:sync && if [ \"$SEED_DB\" = \"true\" ]; then pnpm db:seed:prod; fi && exec pnpm run start:prod"]
