#!/usr/bin/env bash
# A throwaway PostgreSQL (15+) from the OS packages, on 127.0.0.1, for development and tests.
#
#   scripts/postgres.sh start [--test]   start (or reuse) the cluster; prints its connection string on stdout
#   scripts/postgres.sh stop  [--test]   stop it
#   scripts/postgres.sh status [--test]  exit 0 when it accepts connections
#
# The app's cluster lives in .data/postgres on port 55432 and is kept between runs. --test selects a
# separate cluster in .data/postgres-test on port 55433, tuned for speed (fsync off): tests never touch
# the app's data. Run as root, it installs the postgresql package when no server is found and runs the
# server as the unprivileged 'postgres' user (PostgreSQL refuses to run as root).
set -euo pipefail

cmd=${1:-start}
profile=app
[[ ${2:-} == --test ]] && profile=test

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ $profile == test ]]; then
  port=${SEGMENTER_TEST_PG_PORT:-55433}
  data=${SEGMENTER_TEST_PG_DATA:-$root/.data/postgres-test}
  tuning=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c huge_pages=off)
else
  port=${SEGMENTER_PG_PORT:-55432}
  data=${SEGMENTER_PG_DATA:-$root/.data/postgres}
  # Sized for this 2-core, 24 GiB machine and the benchmark's million contacts (docs/performance.md): the
  # contacts stay in shared buffers (a table over a quarter of them is scanned through a small ring instead),
  # reads are from memory, and bulk loads do not checkpoint every few seconds. Shared memory is in huge pages
  # where the kernel has them (reserve_huge_pages below): a parallel worker is a new process, which otherwise
  # maps every 4 KiB page of the buffers it reads anew, and a parallel scan of the million contacts then took
  # longer than one process alone (486 against 402 ms; 254 ms in huge pages). A parallel query runs as one
  # process per core, the leader and one worker fewer than the cores: on two cores, the default of two workers
  # made three processes take turns, and every template's count was 2 to 20% slower than with one worker.
  workers=$(( $(nproc) > 2 ? $(nproc) - 1 : 1 ))
  tuning=(-c synchronous_commit=off -c max_connections=200 -c shared_buffers=4GB -c effective_cache_size=16GB
          -c random_page_cost=1.1 -c maintenance_work_mem=1GB -c max_wal_size=8GB -c checkpoint_timeout=30min
          -c huge_pages=try -c max_parallel_workers_per_gather=$workers)
fi
database=segmenter

log() { echo "postgres.sh: $*" >&2; }

source "$(dirname "${BASH_SOURCE[0]}")/postgres-server.sh"

# The server must not run as root: as root, run it as 'postgres' (created when missing).
as_server() { "$@"; }
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  as_server() { runuser -u postgres -- "$@"; }
  # The server user must be able to reach the data folder; under a private home it cannot, so the
  # cluster then lives under /var/tmp, keyed by the checkout's path, and .data keeps a link to it.
  mkdir -p "$(dirname "$data")"
  if ! runuser -u postgres -- test -x "$(dirname "$data")"; then
    outside=/var/tmp/segmenter-$(echo "$data" | cksum | cut -d' ' -f1)
    mkdir -p "$outside"
    [[ -L $data ]] || ln -s "$outside" "$data"
    data=$outside
  fi
fi

connection_string="Host=127.0.0.1;Port=$port;Database=$database;Username=postgres"
added_pages=$data.huge-pages-added
meminfo() { awk -v key="$1:" '$1 == key { print $2 }' /proc/meminfo; }

# As root, raises vm.nr_hugepages so that the free huge pages hold this cluster's shared memory, and notes how
# many it added, which `stop` gives back. Elsewhere, or when the kernel cannot find them, the server runs
# in ordinary pages (huge_pages=try) and says so.
reserve_huge_pages() {
  [[ $profile == app ]] || return 0
  local needed free total
  needed=$(as_server "$bin/postgres" -D "$data" -C shared_memory_size_in_huge_pages "${tuning[@]}" 2>/dev/null || echo 0)
  (( needed > 0 )) || return 0
  free=$(meminfo HugePages_Free) total=$(meminfo HugePages_Total)
  if (( free < needed )) && [[ $(id -u) -eq 0 ]]; then
    sysctl -q -w vm.nr_hugepages=$((total + needed - free)) >/dev/null 2>&1 || true
    echo $(( $(cat "$added_pages" 2>/dev/null || echo 0) + $(meminfo HugePages_Total) - total )) > "$added_pages"
    free=$(meminfo HugePages_Free)
  fi
  (( free >= needed )) || log "only $free of the $needed huge pages shared memory needs are free: parallel queries run slower (docs/performance.md)"
}

release_huge_pages() {
  [[ -f $added_pages ]] || return 0
  local added total free
  added=$(cat "$added_pages") total=$(meminfo HugePages_Total) free=$(meminfo HugePages_Free)
  (( added > free )) && added=$free
  sysctl -q -w vm.nr_hugepages=$((total - added)) >/dev/null 2>&1 || true
  rm -f "$added_pages"
}
accepts() { "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres; }
running() { as_server "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

case $cmd in
  start)
    if ! [[ -f $data/PG_VERSION ]]; then
      log "initialising a new cluster in $data"
      mkdir -p "$data"
      [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$data"
      chmod 700 "$data"
      as_server "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! running; then
      accepts && { log "port $port is taken by another server"; exit 1; }
      reserve_huge_pages
      log "starting PostgreSQL $version on 127.0.0.1:$port"
      as_server "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' ${tuning[*]}" start >/dev/null
    fi
    for _ in $(seq 1 60); do accepts && break; sleep 0.5; done
    accepts || { log "PostgreSQL did not accept connections; see $data/server.log"; exit 1; }
    if [[ -z $("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$database'" 2>/dev/null || true) ]]; then
      "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
    fi
    echo "$connection_string"
    ;;
  stop)
    if running; then
      as_server "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
      release_huge_pages
      log "stopped"
    fi
    ;;
  status)
    accepts
    ;;
  *)
    log "usage: $0 start|stop|status [--test]"
    exit 2
    ;;
esac
