#!/usr/bin/env bash
# Where a proxied request's user-space time goes beyond its instructions: the gateway, HAProxy and nginx run under
# callgrind's cache and branch simulation (valgrind --cache-sim=yes --branch-sim=yes), each twice with SHORT and LONG
# seconds of wrk (CONNECTIONS keep-alive connections) to the same nginx upstream, and each event is divided per request
# as instructions.sh does: (long - short) / (requests_long - requests_short), so start-up and shutdown cancel out.
#
# Instructions per request say how much work a proxy does; this says how well that work runs. The simulated machine
# has a 32 KiB 8-way L1 for instructions and one for data, a last level as large as this machine's, a conditional
# branch predictor of 16,384 two-bit counters and an indirect one remembering the last target of each of 512 branches.
# A real core predicts indirect branches from their history and prefetches, so the counts are comparisons between
# proxies, not cycles. Like instructions.sh, the figures do not move with the machine's load.
#
# usage: bench/proxy/cachesim.sh [SHORT=5] [LONG=20] [CONNECTIONS=32]
#   env PROXIES="switchyard haproxy nginx"  the rows (switchyard is the profiling build of tools/code-layout/profile.sh);
#                        also floor-loop-forward and floor-loop, with FLOOR_BIN (run.sh's native build of bench/proxy/host):
#                        Kestrel and the forwarder alone, and Kestrel answering itself, on the gateway's event loop
#   env PROFILE_BIN=DIR  a profiling build made before (switchyard, switchyard.dbg), as for instructions.sh
#   env TOP=N            the gateway's N functions with the most of each miss event per request (default 12)
#   env KEEP=1           keep the profiles (the directory is named at the end)
# Prints, per proxy, one line (key=value, per request):
#   CACHESIM proxy=NAME instr= i1_miss= d1_read_miss= d1_write_miss= cond_branch= cond_miss= indirect_branch= indirect_miss= requests=
# then RATIO lines of the gateway against HAProxy, nginx and floor-loop-forward (those that ran), then `CACHESIM_FN event=E per_req=N function=F` lines for
# the gateway's functions (E: I1mr instruction-cache misses, D1mr and D1mw data-cache read and write misses, Bim
# mispredicted indirect branches). Needs valgrind, nginx, haproxy, wrk, curl, nm. Binds 127.0.0.1:18000 and 18080.
# Takes 10-15 minutes.
set -euo pipefail
SHORT=${1:-5}
LONG=${2:-20}
CONN=${3:-32}
TOP=${TOP:-12}
PROXIES=${PROXIES:-switchyard haproxy nginx}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/switchyard-cachesim.XXXXXX)
for tool in valgrind nginx haproxy wrk curl nm; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "cachesim.sh needs $tool" >&2; exit 1; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
. "$HERE/peers.sh"
PIDS=()
trap stop_and_clean EXIT
ports_free 18000 18080

if [[ " $PROXIES " == *" switchyard "* ]]; then
  . "$ROOT/tools/code-layout/profiling-binary.sh"
  profiling_binary
  nm "$BIN/switchyard.dbg" >"$WORK/symbols.txt"
fi

upstream_conf "$WORK/upstream.conf" "$WORK/upstream.pid" 18080
"$NGINX" -c "$WORK/upstream.conf" -e /dev/null &
PIDS+=($!)
# The peers as bench/proxy/run.sh runs them, in one process each (valgrind follows no fork).
proxy_confs "$WORK" 18000 18080 "master_process off; "

command_of() {
  case $1 in
    switchyard) echo "$RUN/switchyard gateway serve -f $HERE/gateway.yaml" ;;
    haproxy) echo "$HAPROXY -f $WORK/haproxy.cfg -db" ;;
    nginx) echo "$NGINX -c $WORK/nginx.conf -e /dev/null" ;;
    floor-loop-forward | floor-loop)
      [ -n "${FLOOR_BIN:-}" ] || { echo "$1 needs FLOOR_BIN, a native build of bench/proxy/host (see run.sh)" >&2; return 1; }
      # A copy away from its .dbg, whose DWARF 5 valgrind 3.19 cannot read (as profiling-binary.sh does for the gateway).
      mkdir -p "$WORK/floor"
      cp "$FLOOR_BIN" "$WORK/floor/"
      cp "$(dirname "$FLOOR_BIN")"/*.so "$WORK/floor/" 2>/dev/null || true
      echo "$WORK/floor/$(basename "$FLOOR_BIN") $1 127.0.0.1:18000 127.0.0.1:18080" ;;
    *) echo "unknown proxy $1" >&2; return 1 ;;
  esac
}

measure() { # PROXY TAG SECONDS: one simulated run; prints "REQUESTS" and leaves $WORK/PROXY-TAG.cg
  local cmd; cmd=$(command_of "$1") || return 1
  # shellcheck disable=SC2086 # the command line is split on purpose
  valgrind --tool=callgrind --cache-sim=yes --branch-sim=yes --dump-instr=yes --callgrind-out-file="$WORK/$1-$2.cg" $cmd \
    >"$WORK/$1-$2.log" 2>&1 &
  local p=$!
  PIDS+=($p)
  for _ in $(seq 1 180); do
    curl -s -o /dev/null -m 5 http://127.0.0.1:18000/ && break
    kill -0 $p 2>/dev/null || { tail -20 "$WORK/$1-$2.log" >&2; return 1; }
    sleep 1
  done
  local requests
  requests=$(wrk -t1 -c"$CONN" -d"$3"s http://127.0.0.1:18000/ | awk '/requests in/ { print $1 }')
  kill -TERM $p
  wait $p || true
  echo "$requests"
}

declare -A ROW
for proxy in $PROXIES; do
  echo "$proxy under callgrind's cache simulation, ${SHORT} s and ${LONG} s of load..." >&2
  rs=$(measure "$proxy" short "$SHORT")
  rl=$(measure "$proxy" long "$LONG")
  if [ "$rl" -le "$rs" ]; then echo "$proxy: the long run served no more requests than the short one ($rl, $rs)" >&2; exit 1; fi
  ROW[$proxy]=$(awk -v rs="$rs" -v rl="$rl" '
    /^events:/ { for (i = 2; i <= NF; i++) name[i - 1] = $i }
    /^summary:/ { for (i = 2; i <= NF; i++) v[FILENAME, name[i - 1]] = $i; f[++files] = FILENAME }
    END {
      split("Ir I1mr D1mr D1mw Bc Bcm Bi Bim", keys, " ")
      split("instr i1_miss d1_read_miss d1_write_miss cond_branch cond_miss indirect_branch indirect_miss", out, " ")
      for (k = 1; k <= 8; k++) printf "%s=%.1f ", out[k], (v[f[2], keys[k]] - v[f[1], keys[k]]) / (rl - rs)
      printf "requests=%d", rl - rs
    }' "$WORK/$proxy-short.cg" "$WORK/$proxy-long.cg")
  echo "CACHESIM proxy=$proxy ${ROW[$proxy]}"
done

value() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'; }
if [ -n "${ROW[switchyard]:-}" ]; then
  for peer in haproxy nginx floor-loop-forward; do
    [ -n "${ROW[$peer]:-}" ] || continue
    line="RATIO proxy=switchyard vs=$peer"
    for key in instr i1_miss d1_read_miss d1_write_miss cond_miss indirect_miss; do
      line="$line $key=$(awk -v a="$(value "${ROW[switchyard]}" $key)" -v b="$(value "${ROW[$peer]}" $key)" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "na" }')"
    done
    echo "$line"
  done
  requests=$(value "${ROW[switchyard]}" requests)
  costs() { dotnet run "$ROOT/tools/code-layout/ExecutedSymbols.cs" -- --costs --event "$1" "$WORK/symbols.txt" "$RUN/switchyard" "$WORK/switchyard-$2.cg" 2>/dev/null; }
  for event in I1mr D1mr D1mw Bim; do
    costs "$event" short >"$WORK/fn-short.txt"
    costs "$event" long >"$WORK/fn-long.txt"
    awk -v d="$requests" 'NR == FNR { s[$2] = $1; next } { printf "%.1f %s\n", ($1 - s[$2]) / d, $2 }' "$WORK/fn-short.txt" "$WORK/fn-long.txt" \
      | sort -rn >"$WORK/fn-$event.txt"
    head -n "$TOP" "$WORK/fn-$event.txt" | awk -v e="$event" '{ printf "CACHESIM_FN event=%s per_req=%s function=%s\n", e, $1, $2 }'
  done
fi
