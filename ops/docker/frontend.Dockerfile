# Jobmon frontend: the Vite + React app in frontend/, built to static files and served
# by an unprivileged nginx (port 8080). Build from the repository root:
#   docker build -f ops/docker/frontend.Dockerfile -t jobmon/frontend:local .
# (docker-compose.yml does this for the jobmon_frontend service.)

ARG NODE_IMAGE=node:20-bookworm
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.27-alpine

# --- Stage 1: build.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV CI=true \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false
# Dependencies first, so that `npm ci` stays cached while only sources change.
# .npmrc too: it sets legacy-peer-deps (openapi-typescript's peer range predates
# TypeScript 7); without it `npm ci` stops with ERESOLVE.
COPY frontend/package.json frontend/package-lock.json frontend/.npmrc ./
RUN npm ci
# frontend/node_modules and frontend/dist are excluded by .dockerignore.
COPY frontend/ ./
# Public URLs baked into the bundle at build time (import.meta.env.VITE_*), like the
# original's NEXT_PUBLIC_BACKEND_URL/WS. The UI and the API share one origin behind
# jobmon_nginx, so the app may as well use relative URLs and ignore these.
ARG VITE_BACKEND_URL=
ARG VITE_BACKEND_WS=
ENV VITE_BACKEND_URL=${VITE_BACKEND_URL} \
    VITE_BACKEND_WS=${VITE_BACKEND_WS}
RUN npm run build

# --- Stage 2: static files behind nginx (runs as uid 101, listens on 8080).
FROM ${NGINX_IMAGE} AS runtime
COPY ops/docker/frontend-nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /src/dist/ /usr/share/nginx/html/
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=5 \
    CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1
