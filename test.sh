#!/usr/bin/env bash
# Builds Segmenter and runs every test against a real PostgreSQL, then prints one line: "N passed, N failed".
# Uses SEGMENTER_TEST_DB when set; otherwise starts (and afterwards stops) the throwaway test cluster of
# scripts/postgres.sh. The scale-out tests also need a primary with a streaming replica and a second cluster:
# SEGMENTER_SCALE_PRIMARY, _REPLICA and _SHARD when set, else the clusters of scripts/scale-clusters.sh,
# started (and afterwards stopped) the same way. Extra arguments go to `dotnet test` (e.g. --project
# tests/Segmenter.UnitTests).
# Exits non-zero when a test failed, when the build failed, or when no test ran.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

started_postgres=false
if [[ -z ${SEGMENTER_TEST_DB:-} ]]; then
  scripts/postgres.sh status --test 2>/dev/null || started_postgres=true
  SEGMENTER_TEST_DB=$(scripts/postgres.sh start --test)
  export SEGMENTER_TEST_DB
fi
started_scale=false
if [[ -z ${SEGMENTER_SCALE_PRIMARY:-} ]]; then
  scripts/scale-clusters.sh status 2>/dev/null || started_scale=true
  eval "$(scripts/scale-clusters.sh start)"
fi
stop_postgres() {
  if $started_postgres; then scripts/postgres.sh stop --test || true; fi
  if $started_scale; then scripts/scale-clusters.sh stop || true; fi
}
trap stop_postgres EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Segmenter.sln -warnaserror -nologo -clp:ErrorsOnly

results=$PWD/TestResults
rm -rf "$results"
mkdir -p "$results"
status=0
dotnet test --no-build --results-directory "$results" --report-xunit-trx "$@" 2>&1 | tee "$results/dotnet-test.log" || status=$?

# The counts come from dotnet test's own run summary (TRX files of two assemblies can share a name and
# overwrite each other when both start in the same second).
counter() { grep -E "^\s+$1: [0-9]+" "$results/dotnet-test.log" | tail -1 | grep -oE "[0-9]+" || echo 0; }
passed=$(counter succeeded)
failed=$(counter failed)
skipped=$(counter skipped)

summary="$passed passed, $failed failed"
(( skipped > 0 )) && summary="$summary, $skipped skipped"
echo
echo "$summary"
if (( failed > 0 || status != 0 )); then exit 1; fi
if (( passed == 0 )); then echo "no test ran" >&2; exit 1; fi
