#!/usr/bin/env bash
# Regenerates src/Switchyard.Cli/switchyard.order, the order in which the native build lays out functions
# (tools/code-layout/README.md). Builds a profiling binary, runs two workloads under callgrind, and writes the
# functions they executed, hottest first:
#   1. `switchyard gateway serve -f bench/proxy/gateway.yaml --admin ...`: start-up, 50 curl requests, 10 s of wrk (32
#      connections) through it to an nginx upstream, the configuration bench/proxy measures; and its admin address
#      scraped (/metrics, /ready, /config) before and after, as Prometheus and probes do;
#   2. `switchyard up --in-memory -f examples/quickstart`: the control plane, controllers, DNS, runtime, node proxy and
#      gateway until the quickstart's /checkout answers 200, then 20 requests and DNS queries.
# Takes about ten minutes. Needs valgrind, nginx, wrk, curl and nm (binutils); installs them with apt-get as root.
# Binds 127.0.0.1:18000, 18080 and 19901 (workload 1), 127.0.0.1:17443 and 17053 and the quickstart's 127.0.0.8:8080.
# Usage: tools/code-layout/profile.sh   (env PROFILE_BIN=DIR: use the profiling build in DIR, made by an earlier run)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ORDER="$ROOT/src/Switchyard.Cli/switchyard.order"
WORK=$(mktemp -d /tmp/switchyard-layout.XXXXXX)

missing=()
for tool in valgrind nginx wrk curl nm dig; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  packages=$(printf '%s\n' "${missing[@]}" | sed 's/^nm$/binutils/; s/^dig$/dnsutils/' | tr '\n' ' ')
  if [ "$(id -u)" = 0 ]; then
    echo "installing: $packages" >&2
    apt-get install -y $packages >/dev/null
  else
    echo "profile.sh needs: $packages (install them, or run as root to have them installed)" >&2
    exit 1
  fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.3; rm -rf "$WORK"; }
trap cleanup EXIT
for port in 18000 18080 19901 17443; do
  if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then echo "port $port is in use; stop what listens there first" >&2; exit 1; fi
done

# The profiling build (PROFILE_BIN=DIR: one made before), and the copy of it that runs.
. "$ROOT/tools/code-layout/profiling-binary.sh"
profiling_binary
# Run directly in the background (not through a function: its subshell would hold back the SIGINT that ends a run).
CALLGRIND=(valgrind --tool=callgrind --dump-instr=yes)
until_ok() { # URL SECONDS PID LOG: wait until URL answers 200, or fail showing the end of LOG
  for _ in $(seq 1 "$2"); do
    kill -0 "$3" 2>/dev/null || { echo "the profiled process exited early; the end of its output:" >&2; tail -20 "$4" >&2; return 1; }
    [ "$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$1")" = 200 ] && return 0
    sleep 1
  done
  echo "$1 did not answer 200 in $2 s; the end of the profiled process's output:" >&2; tail -20 "$4" >&2; return 1
}
# SIGTERM, not SIGINT: a background job of a script ignores SIGINT. Both commands stop cleanly on it, and callgrind
# writes its profile when the process exits.
stop() { kill -TERM "$1"; wait "$1" || true; }

# --- workload 1: gateway serve, as bench/proxy runs it ---
cat > "$WORK/upstream.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/upstream.pid; error_log /dev/null crit;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:18080; location / { return 200 "hello from upstream\n"; } } }
CONF
"$NGINX" -c "$WORK/upstream.conf" -e /dev/null &
PIDS+=($!)
echo "workload 1: gateway serve under callgrind..." >&2
"${CALLGRIND[@]}" --callgrind-out-file="$WORK/gateway.cg" "$RUN/switchyard" gateway serve -f "$ROOT/bench/proxy/gateway.yaml" \
  --admin 127.0.0.1:19901 >"$WORK/gateway.log" 2>&1 &
gw=$!; PIDS+=($gw)
until_ok http://127.0.0.1:18000/ 180 $gw "$WORK/gateway.log"
scrape() { for path in /metrics /ready /config; do curl -s -o /dev/null http://127.0.0.1:19901$path; done; }
scrape
for _ in $(seq 1 50); do curl -s -o /dev/null http://127.0.0.1:18000/; done
wrk -t1 -c32 -d10s http://127.0.0.1:18000/ >/dev/null
scrape; scrape
stop $gw

# --- workload 2: up with the quickstart (its pods run `switchyard demo-app`, found on PATH, not profiled); its own
# config directory, so the user's current.json keeps pointing at their own cluster ---
echo "workload 2: up -f examples/quickstart under callgrind..." >&2
XDG_CONFIG_HOME="$WORK/config" PATH="$RUN:$PATH" "${CALLGRIND[@]}" --callgrind-out-file="$WORK/up.cg" "$RUN/switchyard" up --in-memory --state-dir "$WORK/state" \
  --api 127.0.0.1:17443 --dns 127.0.0.1:17053 --dns-upstream none -f "$ROOT/examples/quickstart" >"$WORK/up.log" 2>&1 &
up=$!; PIDS+=($up)
until_ok http://127.0.0.8:8080/checkout 600 $up "$WORK/up.log"
for _ in $(seq 1 20); do curl -s -o /dev/null http://127.0.0.8:8080/checkout; done
for name in checkout.default.svc.cluster.local payments-api.default.svc.cluster.local nowhere.default.svc.cluster.local; do
  dig +short +tries=1 +time=5 -p 17053 @127.0.0.1 "$name" >/dev/null || true
done
stop $up

nm "$BIN/switchyard.dbg" >"$WORK/symbols.txt"
dotnet run "$HERE/ExecutedSymbols.cs" -- "$WORK/symbols.txt" "$RUN/switchyard" "$WORK/gateway.cg" "$WORK/up.cg" >"$WORK/order"
mv "$WORK/order" "$ORDER"
echo "wrote $ORDER ($(wc -l <"$ORDER") functions); rebuild with ./switchyard and compare bench/proxy's rss_idle_kb" >&2
