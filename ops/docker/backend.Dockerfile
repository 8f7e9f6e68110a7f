# Jobmon backend (src/Jobmon.Api). Build from the repository root:
#   docker build -f ops/docker/backend.Dockerfile -t jobmon/backend:local .
# (docker-compose.yml does this for the jobmon_backend service.)
# Works with BuildKit and with the classic builder (no BuildKit-only syntax).

ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

# --- Stage 1: only the project files, so that `dotnet restore` below stays cached
# while just the C# sources change. This stage re-runs on every source change, but
# its output (the *.csproj/*.props tree) is then byte-identical and the COPY --from
# in the next stage hits the cache.
FROM ${DOTNET_SDK_IMAGE} AS projects
WORKDIR /src
COPY src/ src/
RUN mkdir -p /projects \
 && find src \( -name '*.csproj' -o -name 'Directory.Build.*' -o -name '*.props' -o -name '*.targets' \) \
        -exec cp -p --parents {} /projects/ \;

# --- Stage 2: restore and publish.
FROM ${DOTNET_SDK_IMAGE} AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1
# nuget.config names the local feed ops/packages/feed (the patched DistributedLock package).
COPY nuget.config Directory.Build.props Directory.Packages.props ./
COPY ops/packages/feed/ ops/packages/feed/
COPY --from=projects /projects/ ./
RUN dotnet restore src/Jobmon.Api/Jobmon.Api.csproj
COPY src/ src/
RUN dotnet publish src/Jobmon.Api/Jobmon.Api.csproj \
        --configuration Release --no-restore \
        --output /app/publish \
        -p:UseAppHost=false

# --- Stage 3: runtime.
FROM ${DOTNET_RUNTIME_IMAGE} AS runtime
# curl is only for the container health check (docker-compose.yml, HEALTHCHECK below):
# the aspnet image has no HTTP client, and curl is the one every operator knows.
# (Alternative without a package: a bash /dev/tcp probe; not worth the obscurity.)
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/publish/ ./
# JOBMON_URL is what the backend binds to. The image's own ASPNETCORE_HTTP_PORTS=8080
# is left in place: it names the same port, so either way Kestrel listens on :8080.
ENV JOBMON_URL=http://0.0.0.0:8080 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1
EXPOSE 8080
# The .NET images ship a non-root user "app"; APP_UID is its numeric id (1654).
# The backend keeps no state on disk (everything lives in PostgreSQL).
USER $APP_UID
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=5 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["dotnet", "Jobmon.Api.dll"]
