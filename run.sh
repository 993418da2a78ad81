#!/usr/bin/env bash
# Starts the local PostgreSQL and Segmenter on http://127.0.0.1:5080 with the demo tenant, in the
# foreground until Ctrl+C; then stops what it started. Data stays in .data/ for the next run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

url=${SEGMENTER_URL:-http://127.0.0.1:5080}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

started_postgres=false
scripts/postgres.sh status 2>/dev/null || started_postgres=true
owner_connection=$(scripts/postgres.sh start)
# The app connects as a role of its own under row-level security; migrations run as the owner, who creates that role.
connection_string=${owner_connection/Username=postgres/Username=segmenter_app}

app_pid=
stop() {
  trap - EXIT INT TERM
  if [[ -n $app_pid ]] && kill -0 "$app_pid" 2>/dev/null; then
    kill -TERM "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
  if $started_postgres; then scripts/postgres.sh stop || true; fi
}
trap stop EXIT INT TERM

echo "Building Segmenter..."
dotnet build src/Segmenter.Web -nologo -clp:ErrorsOnly -v quiet

export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}
export ConnectionStrings__Segmenter=$connection_string ConnectionStrings__SegmenterOwner=$owner_connection
(cd src/Segmenter.Web && exec dotnet bin/Debug/net10.0/Segmenter.Web.dll --urls "$url") &
app_pid=$!

# The first start on an empty database migrates it and seeds the demo tenant before it listens.
for _ in $(seq 1 300); do
  if curl -fsS "$url/health" >/dev/null 2>&1; then break; fi
  kill -0 "$app_pid" 2>/dev/null || { echo "Segmenter stopped during start-up; see the log above." >&2; exit 1; }
  sleep 1
done
curl -fsS "$url/health" >/dev/null || { echo "Segmenter did not become healthy at $url/health" >&2; exit 1; }

password=${Segmenter__Demo__Password:-Segmenter!demo1}
cat <<MSG

  Segmenter is running at $url
    health:        $url/health
    jobs:          $url/hangfire
    database:      $connection_string
  Demo tenant 'demo', users (password $password):
    admin@demo.local · marketer@demo.local · sender@demo.local
  Press Ctrl+C to stop.

MSG
wait "$app_pid"
