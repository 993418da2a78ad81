# Sourced by postgres.sh and scale-clusters.sh: finds the PostgreSQL (15+) server binaries and sets $bin.
# When none are found, `start` as root installs the OS's postgresql package; anything else, or a user who
# is not root, fails with a message (a `reset` passes with $bin empty: nothing can be running).
# Needs $cmd and a log function.

find_bin_dir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    [[ -x $dir/pg_ctl ]] && { echo "$dir"; return; }
  done
  command -v pg_ctl >/dev/null 2>&1 && dirname "$(command -v pg_ctl)"
}

bin=$(find_bin_dir || true)
if [[ -z $bin && $cmd != reset ]]; then
  if [[ $cmd != start ]]; then log "no PostgreSQL server binaries found"; exit 1; fi
  if [[ $(id -u) -ne 0 ]]; then
    log "no PostgreSQL server binaries found; install the 'postgresql' package (15 or newer)"
    exit 1
  fi
  log "installing the postgresql package"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bin=$(find_bin_dir)
fi

if [[ -n $bin ]]; then
  version=$("$bin/postgres" --version | grep -oE '[0-9]+' | head -n 1)
  if (( version < 15 )); then log "PostgreSQL $version found; Segmenter needs 15 or newer"; exit 1; fi
fi
