#!/usr/bin/env bash
# Runs the whole system on a Debian 12 machine that has the .NET SDK: installs PostgreSQL and RabbitMQ when missing
# (the AppHost starts private instances of both when no Docker engine answers), then starts the Aspire AppHost.
# It prints the gateway URL, the development credentials and the dashboard URL. Ctrl+C stops everything.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=eng/common.sh
source eng/common.sh
ensure_infrastructure_packages
exec dotnet run --project AppHost/Bifrost.AppHost.csproj --launch-profile http "$@"
