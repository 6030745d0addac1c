#!/usr/bin/env bash
# Switchyard vs nginx vs HAProxy as reverse proxies to the same upstream. "switchyard" is the shipped binary as the
# ./switchyard launcher builds it (native AOT when clang is there) running `gateway serve` with its default event-loop
# I/O; "switchyard-threadpool" is the same with --io thread-pool; "switchyard-jit" and "yarp-jit" are bench/proxy/host
# on the .NET runtime with our forwarder and with YARP's (they report allocations and JIT activity per request).
# Each proxy is pinned to core 0; wrk and the upstream (nginx serving a static 200) share core 1; every process runs at
# nice -19 so other work on a shared machine disturbs the comparison less. "floor" is bare Kestrel answering the fixed
# 200 itself (no proxying): the CPU any Kestrel-based proxy spends before doing its own work.
# Each proxy gets WARMUP seconds of load first (JIT tiering settles; default 15), then the measured run.
# Prints one RESULT line per proxy and RATIO lines (machine-readable: key=value).
# Usage: bench/proxy/run.sh [DURATION_SECONDS=10] [CONNECTIONS=32]   (env PROXIES="switchyard floor ..." picks the rows,
# floor-conn and floor-socket among them; WARMUP=15, ROUNDS=1: with more, every proxy
# runs once per round, a RATIO line per round, then MEDIAN lines: the median of each ratio over the rounds;
# SWITCHYARD_BIN=PATH runs that native binary as "switchyard" instead of the launcher's build, for A/B comparisons;
# FLOOR_BIN=PATH runs the floor rows on a native build of bench/proxy/host, made with
# `dotnet publish bench/proxy/host -c Release --use-current-runtime -p:PublishAot=true -o DIR` (PATH = DIR/ProxyBenchHost),
# so that they compare with the native "switchyard" row; without it they run on the .NET runtime (JIT))
set -euo pipefail
DUR=${1:-10}
CONN=${2:-32}
WARMUP=${WARMUP:-15}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/switchyard-proxy-bench.XXXXXX)
PROXY_CORE=0
LOAD_CORE=1
UP_PORT=18080
PORT=18000

install_peers() {
  local missing=()
  for t in nginx haproxy wrk; do command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || missing+=("$t"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    apt-get install -y "${missing[@]}" >/dev/null
  fi
}
install_peers
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.3; rm -rf "$WORK"; }
trap cleanup EXIT

. "$HERE/peers.sh"
ports_free "$UP_PORT" "$PORT"

# --- upstream: nginx, one worker, static 200 on core 1 ---
mkdir -p "$WORK/up"
upstream_conf "$WORK/up/nginx.conf" "$WORK/up/nginx.pid" "$UP_PORT"
nice -n -19 taskset -c $LOAD_CORE "$NGINX" -c "$WORK/up/nginx.conf" -e /dev/null &
PIDS+=($!)

# --- proxies under test, each listening on $PORT ---
mkdir -p "$WORK/ngx"
proxy_confs "$WORK/ngx" "$PORT" "$UP_PORT"

HOST_DLL=""
build_host() {
  dotnet build "$HERE/host" -c Release --artifacts-path "${BENCH_ARTIFACTS:-/tmp/art-proxy-bench}" -v q -nologo >/dev/null
  HOST_DLL=$(find "${BENCH_ARTIFACTS:-/tmp/art-proxy-bench}/bin/ProxyBenchHost" -name ProxyBenchHost.dll | head -1)
}
build_host
if [ -n "${FLOOR_BIN:-}" ]; then FLOOR=("$FLOOR_BIN"); else FLOOR=(dotnet "$HOST_DLL"); fi
# PROXIES picks the rows (nginx and HAProxy always run: the ratios divide by them).
PROXIES=" ${PROXIES:-switchyard switchyard-threadpool switchyard-jit yarp-jit floor} nginx haproxy "
wanted() { [[ "$PROXIES" == *" $1 "* ]]; }
CLI_KIND=none
if [ -n "${SWITCHYARD_BIN:-}" ]; then
  CLI_KIND="native:$SWITCHYARD_BIN"
elif wanted switchyard || wanted switchyard-threadpool; then
  "$ROOT/switchyard" --help >/dev/null   # the launcher builds the shipped CLI when the sources changed
  CLI_KIND=$(cat "$ROOT/.build/cli/.stamp")
fi
if [ -n "${SWITCHYARD_BIN:-}" ]; then CLI=("$SWITCHYARD_BIN"); elif [ "$CLI_KIND" = native ]; then CLI=("$ROOT/.build/cli/switchyard"); else CLI=(dotnet "$ROOT/.build/cli/switchyard.dll"); fi

# rescheduling interrupts on all cores (waking a task on another core); machine-wide, so other load adds to them
resched_ipis() { awk '/^ *RES:/{t=0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) t += $i; print t}' /proc/interrupts; }
# user and system clock ticks of the processes, summed: "UTIME STIME"
cpu_ticks() { local u=0 s=0; for p in "$@"; do [ -r /proc/$p/stat ] && read -r pu ps < <(awk '{print $14, $15}' /proc/$p/stat) && u=$((u + pu)) && s=$((s + ps)); done; echo "$u $s"; }
rss_kb() { local t=0; for p in "$@"; do [ -r /proc/$p/status ] && t=$((t + $(awk '/VmRSS/{print $2}' /proc/$p/status))); done; echo $t; }
wait_port() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0; sleep 0.1; done; echo "proxy did not come up" >&2; return 1; }
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); print v+0} else if (v ~ /s$/) {sub(/s$/,"",v); print v*1000} else print v}'; }

declare -A RPS CPU P50 P99 RIDLE RLOAD
measure() {
  local name=$1; shift
  local pids=("$@")
  wait_port
  # warm-up (JIT tiering, pools), then idle RSS
  nice -n -19 taskset -c $LOAD_CORE wrk -t1 -c"$CONN" -d"${WARMUP}s" "http://127.0.0.1:$PORT/" >/dev/null
  sleep 1
  local ridle; ridle=$(rss_kb "${pids[@]}")
  local log="$WORK/$name.log"
  [ -f "$log" ] && { kill -USR1 "${pids[0]}"; sleep 0.2; }
  local u0 s0; read -r u0 s0 < <(cpu_ticks "${pids[@]}")
  local res0; res0=$(resched_ipis)
  nice -n -19 taskset -c $LOAD_CORE wrk -t1 -c"$CONN" -d"${DUR}s" --latency "http://127.0.0.1:$PORT/" > "$WORK/$name.wrk" &
  local w=$!
  # context switches and system calls of the proxy over the run (software events; perf is optional)
  local ps=""
  if command -v perf >/dev/null; then
    perf stat -e context-switches,raw_syscalls:sys_enter,page-faults -x, -o "$WORK/$name.pstat" -p "$(echo "${pids[@]}" | tr ' ' ,)" -- sleep "$DUR" 2>/dev/null &
    ps=$!
  fi
  sleep $((DUR / 2))
  local rload; rload=$(rss_kb "${pids[@]}")
  wait $w
  local u1 s1; read -r u1 s1 < <(cpu_ticks "${pids[@]}")
  local res1; res1=$(resched_ipis)
  [ -n "$ps" ] && { wait "$ps" || true; }
  local hz; hz=$(getconf CLK_TCK)
  local reqs; reqs=$(awk '/requests in/{print $1}' "$WORK/$name.wrk")
  local errors; errors=$(awk '/Non-2xx|Socket errors/{print}' "$WORK/$name.wrk" | tr '\n' ' ')
  RPS[$name]=$(awk '/Requests\/sec/{print $2}' "$WORK/$name.wrk")
  CPU[$name]=$(awk -v d=$((u1 - u0 + s1 - s0)) -v hz="$hz" -v n="$reqs" 'BEGIN{printf "%.1f", d * 1e6 / hz / n}')
  local split; split=$(awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v hz="$hz" -v n="$reqs" 'BEGIN{printf "user_us_per_req=%.1f sys_us_per_req=%.1f", u * 1e6 / hz / n, s * 1e6 / hz / n}')
  P50[$name]=$(awk '$1=="50%"{print $2}' "$WORK/$name.wrk" | to_ms)
  P99[$name]=$(awk '$1=="99%"{print $2}' "$WORK/$name.wrk" | to_ms)
  RIDLE[$name]=$ridle; RLOAD[$name]=$rload
  local extra=""
  [ -s "$WORK/$name.pstat" ] && extra=$(awk -F, -v n="$reqs" '/context-switches/{cs=$1} /sys_enter/{sc=$1} /page-faults/{pf=$1} END{if (cs ~ /^[0-9]+$/ && sc ~ /^[0-9]+$/) printf "ctxsw_per_req=%.2f syscalls_per_req=%.2f", cs/n, sc/n; if (pf ~ /^[0-9]+$/) printf " faults_per_req=%.3f", pf/n}' "$WORK/$name.pstat")
  # Switchyard processes: their own counters (bench/proxy/host, SIGUSR1) before and after the run
  if [ -f "$log" ]; then
    kill -USR1 "${pids[0]}"; sleep 0.3
    extra="$extra $(grep '^STATS' "$log" | tail -2 | awk -v n="$reqs" '
      { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[NR, kv[1]] = kv[2] } }
      END { printf "alloc_bytes_per_req=%.0f gc0_per_10k_req=%.1f gc1=%d gc2=%d jit_methods=%d jit_ms=%d", (v[2,"alloc_bytes"]-v[1,"alloc_bytes"])/n,
        (v[2,"gc0"]-v[1,"gc0"])*10000/n, v[2,"gc1"]-v[1,"gc1"], v[2,"gc2"]-v[1,"gc2"], v[2,"jit_methods"]-v[1,"jit_methods"], v[2,"jit_ms"]-v[1,"jit_ms"] }')"
  fi
  extra="$extra $(awk -v d=$((res1 - res0)) -v n="$reqs" 'BEGIN{printf "resched_ipi_per_req=%.3f", d / n}')"
  echo "RESULT proxy=$name round=${round:-1} rps=${RPS[$name]} cpu_us_per_req=${CPU[$name]} $split p50_ms=${P50[$name]} p99_ms=${P99[$name]} rss_idle_kb=$ridle rss_load_kb=$rload requests=$reqs $extra ${errors:+errors=\"$errors\"}"
  # BENCH_ALLOC_TYPES=1: the sampled allocation types of the measured run (printed just before its closing STATS line)
  if [ -f "$log" ] && [ "${BENCH_ALLOC_TYPES:-}" = 1 ]; then
    awk -v last="$(grep -c '^STATS' "$log")" -v name="$name" '/^STATS/{n++; next} /^ALLOC/ && n == last - 1 {sub(/^ALLOC/, "ALLOC proxy=" name); print}' "$log"
  fi
}
stop() { for p in "$@"; do kill "$p" 2>/dev/null || true; done; for p in "$@"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done; }
children() { pgrep -P "$1" | tr '\n' ' '; }

ROUNDS=${ROUNDS:-1}
ROWS=()
for n in switchyard switchyard-threadpool switchyard-jit yarp-jit floor floor-forward floor-loop floor-loop-forward floor-conn floor-socket floor-epoll floor-epoll-proxy floor-nginx; do wanted $n && ROWS+=("$n"); done
declare -A RATIOS
for round in $(seq 1 "$ROUNDS"); do
  [ "$ROUNDS" -gt 1 ] && echo "ROUND $round of $ROUNDS"
  for io in event-loop thread-pool; do
    name=switchyard; [ "$io" = thread-pool ] && name=switchyard-threadpool
    wanted $name || continue
    nice -n -19 taskset -c $PROXY_CORE "${CLI[@]}" gateway serve -f "$HERE/gateway.yaml" --io "$io" > "$WORK/$name.out" 2>&1 &
    p=$!; measure "$name" $p; stop $p
  done

  # The runtime settings are the CLI's (src/Switchyard.Cli/Runtime.props, imported by the host project).
  for fwd in native yarp; do
    name=switchyard-jit; [ "$fwd" = yarp ] && name=yarp-jit
    wanted $name || continue
    nice -n -19 taskset -c $PROXY_CORE dotnet "$HOST_DLL" "$fwd" "$HERE/gateway.yaml" > "$WORK/$name.log" 2>&1 &
    p=$!; measure "$name" $p; stop $p
  done
  for name in floor floor-forward floor-loop floor-loop-forward floor-conn floor-socket floor-epoll floor-epoll-proxy; do
    wanted $name || continue
    nice -n -19 taskset -c $PROXY_CORE "${FLOOR[@]}" "$name" "127.0.0.1:$PORT" "127.0.0.1:$UP_PORT" > "$WORK/$name.log" 2>&1 &
    p=$!; measure "$name" $p; stop $p
  done
  if wanted floor-nginx; then # nginx answering the 200 itself: one HTTP leg in C
    sed "s/:$UP_PORT/:$PORT/; s|$WORK/up/nginx.pid|$WORK/floor-nginx.pid|" "$WORK/up/nginx.conf" > "$WORK/floor-nginx.conf"
    nice -n -19 taskset -c $PROXY_CORE "$NGINX" -c "$WORK/floor-nginx.conf" -e /dev/null & p=$!
    sleep 0.5; measure floor-nginx $p $(children $p); stop $p
  fi

  nice -n -19 taskset -c $PROXY_CORE "$NGINX" -c "$WORK/ngx/nginx.conf" -e /dev/null & p=$!
  sleep 0.5; measure nginx $p $(children $p); stop $p

  nice -n -19 taskset -c $PROXY_CORE "$HAPROXY" -f "$WORK/ngx/haproxy.cfg" -db > "$WORK/haproxy.out" 2>&1 & p=$!
  measure haproxy $p; stop $p

  echo "CLI kind=$CLI_KIND"
  echo "FLOOR kind=${FLOOR_BIN:+native:}${FLOOR_BIN:-jit}"
  for n in "${ROWS[@]}"; do
    line=$(awk -v a="${CPU[$n]}" -v h="${CPU[haproxy]}" -v g="${CPU[nginx]}" -v f="${CPU[floor]:-0}" -v p="${P99[$n]}" -v pn="${P99[nginx]}" -v n="$n" -v r="${RIDLE[$n]}" \
      'BEGIN{printf "cpu_vs_haproxy=%.2f cpu_vs_nginx=%.2f cpu_vs_floor=%s p99_vs_nginx=%.2f rss_idle_mb=%.1f", a/h, a/g, (f > 0 ? sprintf("%.2f", a/f) : "na"), p/pn, r/1024}')
    echo "RATIO proxy=$n round=$round $line"
    RATIOS[$n]="${RATIOS[$n]:-}$line"$'\n'
  done
done

# With ROUNDS > 1: the median of each ratio over the rounds (the machine's load drifts between and within rounds).
if [ "$ROUNDS" -gt 1 ]; then
  for n in "${ROWS[@]}"; do
    printf '%s' "${RATIOS[$n]}" | awk -v n="$n" -v k="$ROUNDS" '
      { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1], NR] = kv[2] } }
      END {
        printf "MEDIAN proxy=%s rounds=%d", n, k
        split("cpu_vs_haproxy cpu_vs_nginx cpu_vs_floor p99_vs_nginx rss_idle_mb", order, " ")
        for (o = 1; o <= 5; o++) {
          key = order[o]
          if (v[key, 1] == "na") { printf " %s=na", key; continue } # no floor row in this run
          for (r = 1; r <= NR; r++) a[r] = v[key, r] + 0
          for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
          m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
          printf " %s=%.2f", key, m
        }
        printf "\n"
      }'
  done
fi
