# syntax=docker/dockerfile:1.7
# The DropIt web app: Vite build with the API origin baked in, served by nginx.
# Build context: the root of a DropIt checkout. nginx's server config is mounted at run time
# from a Swarm config rendered by renderers/nginx.ts, so it is not part of this image.

FROM node:20-alpine AS builder
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH
RUN corepack enable && corepack prepare pnpm@9.7.1 --activate
WORKDIR /repo
# Without it the bundle falls back to http://localhost:3000: refuse to build a broken bundle.
ARG VITE_API_URL
RUN test -n "$VITE_API_URL" || { echo "build arg VITE_API_URL is required (the API origin, without /api)" >&2; exit 1; }
ENV VITE_API_URL=$VITE_API_URL
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc* ./
RUN --mount=type=cache,id=pnpm,target=/pnpm/store pnpm fetch
COPY . .
RUN --mount=type=cache,id=pnpm,target=/pnpm/store pnpm install -r --offline --frozen-lockfile
RUN pnpm --filter "{apps/web}..." build

FROM nginx:1.27-alpine
COPY --from=builder /repo/apps/web/dist /usr/share/nginx/html
