#!/usr/bin/env bash
# Runs bench/Segmenter.Bench in Release against the local PostgreSQL of scripts/postgres.sh (started, and
# afterwards stopped, when it is not running), in a database of its own that it drops at the end.
# Arguments go to the benchmark (e.g. --contacts 100000 --writes 500). Prints a markdown table of figures.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

started_postgres=false
scripts/postgres.sh status 2>/dev/null || started_postgres=true
connection=$(scripts/postgres.sh start)
stop_postgres() { if $started_postgres; then scripts/postgres.sh stop || true; fi; }
trap stop_postgres EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build -c Release src/Segmenter.Web -nologo -clp:ErrorsOnly -v quiet
dotnet run -c Release --project bench/Segmenter.Bench -- --connection "$connection" \
  --web src/Segmenter.Web/bin/Release/net10.0/Segmenter.Web.dll "$@"
