#!/bin/bash
# influxd in the background, create the bucket's database once it answers, then
# wait for influxd (TERM is passed on).
set -eu
influxd -config /etc/influxdb/influxdb.conf &
pid=$!
trap 'kill -TERM $pid' TERM INT
for _ in $(seq 1 150); do curl -sf http://127.0.0.1:8086/ping && break; sleep 0.2; done
curl -sf -XPOST http://127.0.0.1:8086/query --data-urlencode "q=CREATE DATABASE \"${DOCKER_INFLUXDB_INIT_BUCKET:-jobmon}\"" >/dev/null
wait $pid
