#!/usr/bin/env bash
# Cluster DNS benchmark: dnsperf against Switchyard, unbound and dnsmasq serving the same in-zone records
# (N ClusterIP services: A, SRV, PTR, plus NXDOMAIN names), each server pinned to CPU 0, dnsperf on CPU 1.
# All three servers run at once (an idle server sleeps in its receive call); ROUNDS rounds each measure every server
# for DURATION seconds after a short warm-up, in turn, so a change in machine load hits all of them alike.
# Prints machine-readable lines:
#   round=I server=NAME qps=Q avg_latency_ms=L lost=N      (every measurement)
#   result server=NAME qps=Q avg_latency_ms=L lost=N       (the round with the median qps)
#   ratio switchyard/unbound=R                             (of the medians)
#   ratio switchyard/dnsmasq=R
# Needs: dotnet, dnsperf, unbound, dnsmasq, dig, taskset (Debian: dnsperf unbound dnsmasq-base dnsutils util-linux).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N=${N:-100}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-3}
SWITCHYARD_ARGS=${SWITCHYARD_ARGS:-}   # e.g. "--batch 1": one recvfrom/sendto per query instead of recvmmsg/sendmmsg
CLIENTS=${CLIENTS:-8}
OUTSTANDING=${OUTSTANDING:-200}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

for tool in dnsperf unbound dnsmasq dig taskset dotnet; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done

# ---- the same records for every server -------------------------------------------------------------
mkdir -p "$work/manifests"
: > "$work/queries.txt"; : > "$work/unbound-data.conf"; : > "$work/dnsmasq.conf"
for i in $(seq 0 $((N - 1))); do
  a=$((i / 250)); b=$((i % 250 + 1)); ip="10.96.$a.$b"; name="svc-$i.default.svc.cluster.local"
  cat >> "$work/manifests/services.yaml" <<YAML
---
apiVersion: v1
kind: Service
metadata: {name: svc-$i, namespace: default}
spec:
  clusterIP: $ip
  ports: [{name: http, port: 80, protocol: TCP}]
YAML
  {
    echo "  local-data: \"$name. 5 IN A $ip\""
    echo "  local-data: \"_http._tcp.$name. 5 IN SRV 0 100 80 $name.\""
    echo "  local-data-ptr: \"$ip 5 $name.\""
  } >> "$work/unbound-data.conf"
  {
    echo "host-record=$name,$ip"
    echo "srv-host=_http._tcp.$name,$name,80,0,100"
  } >> "$work/dnsmasq.conf"
  {
    echo "$name A"
    echo "_http._tcp.$name SRV"
    echo "$b.$a.96.10.in-addr.arpa PTR"
    echo "missing-$i.default.svc.cluster.local A"
  } >> "$work/queries.txt"
done

cat > "$work/unbound.conf" <<CONF
server:
  interface: 127.0.0.1
  port: 15301
  num-threads: 1
  do-daemonize: no
  use-syslog: no
  logfile: ""
  username: ""
  chroot: ""
  directory: "$work"
  pidfile: ""
  do-ip6: no
  verbosity: 0
  access-control: 127.0.0.0/8 allow
  local-zone: "." refuse
  local-zone: "cluster.local." static
  local-zone: "10.in-addr.arpa." static
  local-data: "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5"
$(cat "$work/unbound-data.conf")
CONF
cat >> "$work/dnsmasq.conf" <<CONF
port=15302
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
local=/cluster.local/
local=/10.in-addr.arpa/
cache-size=10000
CONF

# ---- build Switchyard's server -----------------------------------------------------------------------
dotnet build "$root/bench/dns/Switchyard.Bench.Dns" -c Release --nologo -v quiet -clp:ErrorsOnly --artifacts-path "$root/.build/bench-dns" >&2
bench_dll="$root/.build/bench-dns/bin/Switchyard.Bench.Dns/release/Switchyard.Bench.Dns.dll"

wait_ready() { # port
  for _ in $(seq 1 100); do
    dig @127.0.0.1 -p "$1" +tries=1 +time=1 +short svc-0.default.svc.cluster.local A 2>/dev/null | grep -q 10.96 && return 0
    sleep 0.1
  done
  echo "run.sh: server on port $1 did not answer" >&2; return 1
}

measure() { # round name port
  local round=$1 name=$2 port=$3 out
  taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -l "$WARMUP" -c "$CLIENTS" -q "$OUTSTANDING" >/dev/null 2>&1 || true
  out=$(taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -l "$DURATION" -c "$CLIENTS" -q "$OUTSTANDING" 2>&1)
  local qps lat lost
  qps=$(awk '/Queries per second:/ {print $4}' <<<"$out")
  lat=$(awk '/Average Latency \(s\):/ {printf "%.3f", $4 * 1000}' <<<"$out")
  lost=$(awk '/Queries lost:/ {print $3}' <<<"$out")
  echo "round=$round server=$name qps=$qps avg_latency_ms=$lat lost=$lost" | tee -a "$work/rounds.txt"
}

taskset -c "$SERVER_CPU" dotnet "$bench_dll" serve -f "$work/manifests" --listen 127.0.0.1:15300 --loops 1 $SWITCHYARD_ARGS >/dev/null &
pids+=($!)
taskset -c "$SERVER_CPU" unbound -d -c "$work/unbound.conf" >/dev/null 2>&1 &
pids+=($!)
taskset -c "$SERVER_CPU" dnsmasq -k -C "$work/dnsmasq.conf" >/dev/null 2>&1 &
pids+=($!)
wait_ready 15300; wait_ready 15301; wait_ready 15302

for round in $(seq 1 "$ROUNDS"); do
  measure "$round" switchyard 15300
  measure "$round" unbound 15301
  measure "$round" dnsmasq 15302
done

# Per server, the round with the median qps; then the ratios of the medians.
for name in switchyard unbound dnsmasq; do
  grep " server=$name " "$work/rounds.txt" | sort -t= -k4 -g | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) { sub(/^round=[0-9]+ /, "result "); print }'
done | tee "$work/results.txt"
awk '{ split($3, q, "="); split($2, s, "="); v[s[2]] = q[2] } END {
  printf "ratio switchyard/unbound=%.2f\n", v["switchyard"] / v["unbound"]
  printf "ratio switchyard/dnsmasq=%.2f\n", v["switchyard"] / v["dnsmasq"]
}' "$work/results.txt"
