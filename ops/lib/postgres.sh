# Sourced by ops scripts: a private PostgreSQL from Debian's binaries, data kept in a folder of ours.
# PostgreSQL refuses to run as root, so as root it runs as the postgres system user the Debian package creates.

pg_bin_dir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

ensure_postgres_installed() {
  pg_bin_dir >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "PostgreSQL server binaries missing: installing the Debian package postgresql…" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
    pg_bin_dir >/dev/null && return 0
  fi
  echo "PostgreSQL server binaries not found under /usr/lib/postgresql. Install them: sudo apt-get install -y postgresql" >&2
  echo "(or set JOBMON_POSTGRES to the connection string of an existing server)" >&2
  return 1
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p=${1:-54330}
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_private_postgres DIR -> prints the port; the server keeps running until stop_private_postgres DIR
start_private_postgres() {
  local dir=$1 bin port
  bin=$(pg_bin_dir)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  port=$(free_port "${2:-54330}")
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=300 ${PG_EXTRA_OPTS:-}" start >/dev/null || { tail -20 "$dir/server.log" >&2; return 1; }
  echo "$port"
}

stop_private_postgres() {
  local dir=$1 bin
  bin=$(pg_bin_dir) || return 0
  [ -f "$dir/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}
