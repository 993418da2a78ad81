#!/usr/bin/env bash
# Three throwaway PostgreSQL (15+) clusters from the OS packages, on 127.0.0.1, for the scale-out tests.
#
#   scripts/scale-clusters.sh start          start (or reuse) all three; prints their connection strings on stdout
#   scripts/scale-clusters.sh stop           stop all three
#   scripts/scale-clusters.sh stop-replica   stop only the replica (to test the fallback when it is down)
#   scripts/scale-clusters.sh start-replica  start only the replica again (the primary must be running)
#   scripts/scale-clusters.sh status         exit 0 when all three accept connections
#   scripts/scale-clusters.sh reset          stop all three and delete their data folders
#
# start prints one `export NAME='connection string'` line a cluster, so that
#   eval "$(scripts/scale-clusters.sh start)"
# sets SEGMENTER_SCALE_PRIMARY, SEGMENTER_SCALE_REPLICA and SEGMENTER_SCALE_SHARD (start-replica prints the
# replica's line only); logs go to stderr.
#
#   primary  port 55434, .data/postgres-primary: read-write; streams its WAL to the replica
#   replica  port 55435, .data/postgres-replica: a read-only hot standby of the primary, made with pg_basebackup;
#            made again when the primary is new or the folder was copied from another primary
#   shard    port 55436, .data/postgres-shard: an independent second server
#
# SEGMENTER_SCALE_{PRIMARY,REPLICA,SHARD}_PORT move the ports, SEGMENTER_SCALE_{PRIMARY,REPLICA,SHARD}_DATA the
# folders. All three trust local connections and are tuned for speed like postgres.sh --test (fsync off).
# full_page_writes can stay off on the primary: a base backup forces full-page writes while it runs, and only
# a backup taken from a standby needs them on. A hot standby needs max_connections and max_wal_senders at
# least the primary's, so every cluster gets the same settings. Like postgres.sh, run as root it installs the
# postgresql package when no server is found and runs the servers as the unprivileged 'postgres' user.
set -euo pipefail

cmd=${1:-start}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
names=(primary replica shard)
declare -A port=(
  [primary]=${SEGMENTER_SCALE_PRIMARY_PORT:-55434}
  [replica]=${SEGMENTER_SCALE_REPLICA_PORT:-55435}
  [shard]=${SEGMENTER_SCALE_SHARD_PORT:-55436}
)
declare -A data=(
  [primary]=${SEGMENTER_SCALE_PRIMARY_DATA:-$root/.data/postgres-primary}
  [replica]=${SEGMENTER_SCALE_REPLICA_DATA:-$root/.data/postgres-replica}
  [shard]=${SEGMENTER_SCALE_SHARD_DATA:-$root/.data/postgres-shard}
)
declare -A link=()
# wal_keep_size keeps enough WAL on the primary for a replica that was stopped for a while to catch up.
tuning=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200
        -c wal_level=replica -c max_wal_senders=5 -c wal_keep_size=512MB -c hot_standby=on)
database=segmenter

log() { echo "scale-clusters.sh: $*" >&2; }
usage() { log "usage: $0 start|stop|stop-replica|start-replica|status|reset"; exit 2; }
case $cmd in start|stop|stop-replica|start-replica|status|reset) ;; *) usage ;; esac

source "$(dirname "${BASH_SOURCE[0]}")/postgres-server.sh"

# One command at a time: two test runs starting the clusters together would both initialise them. The servers
# must not inherit the lock's descriptor (see start_server), or they would hold it for as long as they run.
mkdir -p "$root/.data"
exec 9>"$root/.data/.scale-clusters.lock"
flock -w 120 9 || { log "another scale-clusters.sh has been running for two minutes"; exit 1; }

# The server must not run as root: as root, run it as 'postgres' (created when missing).
as_server() { "$@"; }
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  as_server() { runuser -u postgres -- "$@"; }
  # The server user must be able to reach the data folders; under a private home it cannot, so a cluster
  # then lives under /var/tmp, keyed by its folder's path, and the folder is a link to it.
  for name in "${names[@]}"; do
    d=${data[$name]}
    mkdir -p "$(dirname "$d")"
    if ! runuser -u postgres -- test -x "$(dirname "$d")"; then
      outside=/var/tmp/segmenter-$(echo "$d" | cksum | cut -d' ' -f1)
      mkdir -p "$outside"
      [[ -L $d ]] || ln -sT "$outside" "$d"
    fi
  done
fi
# A folder that is a link (made above, maybe by an earlier run as root) is used, and deleted, through its target.
for name in "${names[@]}"; do
  if [[ -L ${data[$name]} ]]; then
    link[$name]=${data[$name]}
    data[$name]=$(readlink -f "${data[$name]}")
  fi
done

connection_string() { echo "Host=127.0.0.1;Port=${port[$1]};Database=$database;Username=postgres"; }
export_line() { echo "export SEGMENTER_SCALE_${1^^}='$(connection_string "$1")'"; }
accepts() { "$bin/pg_isready" -q -h 127.0.0.1 -p "${port[$1]}" -d postgres -U postgres; }
running() { [[ -d ${data[$1]} ]] && as_server "$bin/pg_ctl" -D "${data[$1]}" status >/dev/null 2>&1; }
sql() { "$bin/psql" -X -h 127.0.0.1 -p "${port[$1]}" -U postgres -d postgres -tAqc "$2"; }
system_id() { as_server "$bin/pg_controldata" -D "${data[$1]}" 2>/dev/null | sed -n 's/^Database system identifier: *//p'; }

# An empty folder that the server user owns.
empty_folder() {
  local d=${data[$1]}
  mkdir -p "$d"
  find "$d" -mindepth 1 -delete
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$d"; fi
  chmod 700 "$d"
}

initialise() {
  log "initialising the $1 cluster in ${data[$1]}"
  empty_folder "$1"
  as_server "$bin/initdb" -D "${data[$1]}" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
}

start_server() {
  local name=$1
  if ! running "$name"; then
    accepts "$name" && { log "port ${port[$name]} is taken by another server"; exit 1; }
    log "starting the $name (PostgreSQL $version) on 127.0.0.1:${port[$name]}"
    as_server "$bin/pg_ctl" -D "${data[$name]}" -l "${data[$name]}/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p ${port[$name]} -c unix_socket_directories='' ${tuning[*]}" start >/dev/null 9>&- \
      || { log "the $name did not start; see ${data[$name]}/server.log"; exit 1; }
  fi
  for _ in $(seq 1 60); do accepts "$name" && return; sleep 0.5; done
  log "the $name did not accept connections; see ${data[$name]}/server.log"
  exit 1
}

stop_server() {
  if running "$1"; then
    as_server "$bin/pg_ctl" -D "${data[$1]}" -m fast -w stop >/dev/null
    log "stopped the $1"
  fi
}

create_database() {
  if [[ -z $(sql "$1" "SELECT 1 FROM pg_database WHERE datname = '$database'" 2>/dev/null || true) ]]; then
    "$bin/createdb" -h 127.0.0.1 -p "${port[$1]}" -U postgres "$database"
  fi
}

# Set by start_primary when it initialised the primary, whose old replica (if any) is then useless.
fresh_primary=false

start_primary() {
  local hba=${data[primary]}/pg_hba.conf
  if ! [[ -f ${data[primary]}/PG_VERSION ]]; then initialise primary; fresh_primary=true; fi
  # initdb --auth=trust allows replication from 127.0.0.1 already; make sure, as pg_basebackup connects there.
  if ! grep -qE '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    echo "host    replication     all             127.0.0.1/32            trust" >>"$hba"
    running primary && as_server "$bin/pg_ctl" -D "${data[primary]}" reload >/dev/null
  fi
  start_server primary
  create_database primary
}

start_shard() {
  [[ -f ${data[shard]}/PG_VERSION ]] || initialise shard
  start_server shard
  create_database shard
}

# The replica is a copy of the primary that follows it; the primary must accept connections.
start_replica() {
  local d=${data[replica]}
  accepts primary || { log "the primary does not accept connections; run: $0 start"; exit 1; }
  if [[ -f $d/PG_VERSION ]]; then
    if $fresh_primary || ! [[ -f $d/standby.signal ]] || [[ $(system_id replica) != "$(system_id primary)" ]] \
        || ! grep -q "port=${port[primary]}[ ']" "$d/postgresql.auto.conf" 2>/dev/null; then
      log "the replica in $d was not copied from this primary; copying it again"
      stop_server replica
      rm -f "$d/PG_VERSION"
    fi
  fi
  if ! [[ -f $d/PG_VERSION ]]; then
    log "copying the primary to the replica in $d (pg_basebackup)"
    empty_folder replica
    as_server "$bin/pg_basebackup" -h 127.0.0.1 -p "${port[primary]}" -U postgres -D "$d" -R -X stream -c fast
    rm -f "$d/server.log"  # the primary's log, copied with the rest
  fi
  start_server replica
  # Ready once it is a standby that receives the primary's WAL, so that what tests write shows up on it.
  for _ in $(seq 1 120); do
    [[ $(sql replica "SELECT pg_is_in_recovery() AND EXISTS
        (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')" 2>/dev/null || true) == t ]] && return
    sleep 0.5
  done
  log "the replica does not stream from the primary; see $d/server.log ($0 reset starts afresh)"
  exit 1
}

case $cmd in
  start)
    start_primary
    start_shard
    start_replica
    for name in "${names[@]}"; do export_line "$name"; done
    ;;
  stop)
    for name in replica shard primary; do stop_server "$name"; done
    ;;
  stop-replica)
    stop_server replica
    ;;
  start-replica)
    start_replica
    export_line replica
    ;;
  status)
    ok=0
    for name in "${names[@]}"; do
      if accepts "$name"; then log "$name accepts connections on 127.0.0.1:${port[$name]}"
      else log "$name does not accept connections on 127.0.0.1:${port[$name]}"; ok=1; fi
    done
    exit $ok
    ;;
  reset)
    if [[ -n $bin ]]; then for name in replica shard primary; do stop_server "$name"; done; fi
    for name in "${names[@]}"; do
      rm -rf "${data[$name]}"
      [[ -n ${link[$name]:-} ]] && rm -f "${link[$name]}"
      log "deleted the $name's data"
    done
    ;;
esac
