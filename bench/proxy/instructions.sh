#!/usr/bin/env bash
# User-space instructions per proxied request of the gateway, counted by callgrind: a figure the machine's load does not
# move, for comparing two versions of the request path on a shared machine where CPU time is noisy (run.sh gives the
# CPU time and the ratios to nginx and HAProxy; this says where the user-space part goes).
#
# The gateway runs `gateway serve -f gateway.yaml` (as run.sh) under callgrind twice, with SHORT and LONG seconds of wrk
# (8 connections) to the same nginx upstream; its /metrics counts the requests. Per request = the difference of the
# two runs' instructions over the difference of their requests, so start-up and shutdown cancel out. Counts
# instructions, not cycles: a `rep stosb` counts once per byte, and cache misses and the kernel are not in it.
#
# usage: bench/proxy/instructions.sh [SHORT=5] [LONG=30]
#   env PROFILE_BIN=DIR  a profiling build made before (switchyard, switchyard.dbg), e.g. by tools/code-layout/profile.sh
#   env TOP=N            list the N functions costing the most instructions per request (default 40)
#   env KEEP=1           keep the profiles and symbols (the directory is named at the end), e.g. for
#                        `dotnet run tools/code-layout/ExecutedSymbols.cs -- --callers REGEX DIR/symbols.txt DIR/run/switchyard DIR/long.cg`
# Prints `INSTR functions=...` lines, then one `RESULT` line (key=value):
#   instr_per_req   user-space instructions per request (the binary and the libraries it calls)
#   requests_short, requests_long, instr_short, instr_long   the two runs
# Needs dotnet, valgrind, nginx, wrk, curl, nm. Binds 127.0.0.1:18000, 18080 and 19901. Takes 5-10 minutes.
set -euo pipefail
SHORT=${1:-5}
LONG=${2:-30}
TOP=${TOP:-40}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/switchyard-instructions.XXXXXX)
for tool in valgrind nginx wrk curl nm; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "instructions.sh needs $tool" >&2; exit 1; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
. "$HERE/peers.sh"
PIDS=()
trap stop_and_clean EXIT
ports_free 18000 18080 19901

# The profiling build of tools/code-layout/profile.sh (PROFILE_BIN=DIR: one made before), and the copy of it that runs.
. "$ROOT/tools/code-layout/profiling-binary.sh"
profiling_binary
nm "$BIN/switchyard.dbg" >"$WORK/symbols.txt"

upstream_conf "$WORK/upstream.conf" "$WORK/upstream.pid" 18080
"$NGINX" -c "$WORK/upstream.conf" -e /dev/null &
PIDS+=($!)

measure() { # NAME SECONDS: callgrind of one run; prints "REQUESTS INSTRUCTIONS"
  valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file="$WORK/$1.cg" "$RUN/switchyard" gateway serve \
    -f "$HERE/gateway.yaml" --admin 127.0.0.1:19901 >"$WORK/$1.log" 2>&1 &
  local gw=$!
  PIDS+=($gw)
  for _ in $(seq 1 180); do
    curl -s -o /dev/null -m 5 http://127.0.0.1:18000/ && break
    kill -0 $gw 2>/dev/null || { tail -20 "$WORK/$1.log" >&2; return 1; }
    sleep 1
  done
  wrk -t1 -c8 -d"$2"s http://127.0.0.1:18000/ >/dev/null
  local requests
  requests=$(curl -s -m 30 http://127.0.0.1:19901/metrics | awk '/^switchyard_proxy_requests_total/ { n += $NF } END { print n + 0 }')
  kill -TERM $gw
  wait $gw || true
  echo "$requests $(awk '/^totals:/ { print $2 }' "$WORK/$1.cg")"
}
echo "gateway under callgrind, ${SHORT} s of load..." >&2
measure short "$SHORT" >"$WORK/short.result"
read -r RS IS <"$WORK/short.result"
echo "gateway under callgrind, ${LONG} s of load..." >&2
measure long "$LONG" >"$WORK/long.result"
read -r RL IL <"$WORK/long.result"
if [ "$RL" -le "$RS" ]; then echo "the long run served no more requests than the short one ($RL, $RS)" >&2; exit 1; fi

costs() { dotnet run "$ROOT/tools/code-layout/ExecutedSymbols.cs" -- --costs "$WORK/symbols.txt" "$RUN/switchyard" "$WORK/$1.cg" 2>/dev/null; }
costs short >"$WORK/short.txt"
costs long >"$WORK/long.txt"
# Per function of the binary: the extra instructions of the long run per extra request.
awk -v d=$((RL - RS)) 'NR == FNR { s[$2] = $1; next } { printf "%.0f %s\n", ($1 - s[$2]) / d, $2 }' "$WORK/short.txt" "$WORK/long.txt" \
  | sort -rn >"$WORK/per-request.txt"
head -n "$TOP" "$WORK/per-request.txt" | awk '{ printf "INSTR per_req=%s function=%s\n", $1, $2 }'
awk -v rs="$RS" -v rl="$RL" -v is="$IS" -v il="$IL" \
  'BEGIN { printf "RESULT instr_per_req=%.0f requests_short=%d requests_long=%d instr_short=%.0f instr_long=%.0f\n", (il - is) / (rl - rs), rs, rl, is, il }'
