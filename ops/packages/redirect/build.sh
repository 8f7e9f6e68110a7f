#!/usr/bin/env bash
# Rebuilds ops/packages/feed/patched.distributedlock.postgres.1.3.3.1.nupkg from the project beside this script.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet pack "$here/Patched.DistributedLock.Postgres.csproj" -c Release -o "$here/../feed" -p:NuGetAudit=false
rm -rf "$here/bin" "$here/obj"
