# Sourced by ops scripts: a private InfluxDB 1.x (Debian's influxdb package) with its data in a folder of ours.

ensure_influx_installed() {
  command -v influxd >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "influxd missing: installing the Debian package influxdb…" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq influxdb >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq influxdb >/dev/null; }
    command -v influxd >/dev/null && return 0
  fi
  echo "influxd not found. Install it: sudo apt-get install -y influxdb (or set JOBMON_INFLUXDB to an existing InfluxDB)" >&2
  return 1
}

# start_private_influx DIR [PORT] -> prints the HTTP port; writes DIR/influxd.pid
start_private_influx() {
  local dir=$1 port rpc
  mkdir -p "$dir"
  port=$(free_port "${2:-18086}")
  rpc=$(free_port $((port + 1)))
  cat >"$dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$port"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[logging]
  level = "warn"
CONF
  influxd -config "$dir/influxdb.conf" >"$dir/influxd.log" 2>&1 &
  echo $! >"$dir/influxd.pid"
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/ping" >/dev/null 2>&1 && { echo "$port"; return 0; }
    sleep 0.2
  done
  tail -20 "$dir/influxd.log" >&2
  return 1
}

stop_private_influx() {
  local dir=$1
  [ -f "$dir/influxd.pid" ] && kill "$(cat "$dir/influxd.pid")" 2>/dev/null || true
  rm -f "$dir/influxd.pid"
}
