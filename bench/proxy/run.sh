#!/usr/bin/env bash
# Switchyard (native forwarder and YARP) vs nginx vs HAProxy as reverse proxies to the same upstream.
# Each proxy is pinned to core 0; wrk and the upstream (nginx serving a static 200) share core 1.
# Prints one RESULT line per proxy and RATIO lines (machine-readable: key=value).
# Usage: bench/proxy/run.sh [DURATION_SECONDS=10] [CONNECTIONS=32]
set -euo pipefail
DUR=${1:-10}
CONN=${2:-32}
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

for port in $UP_PORT $PORT; do
  if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then echo "port $port is already in use; stop what listens there first" >&2; exit 1; fi
done

# --- upstream: nginx, one worker, static 200 on core 1 ---
mkdir -p "$WORK/up"
cat > "$WORK/up/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/up/nginx.pid; error_log /dev/null crit;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$UP_PORT; location / { return 200 "hello from upstream\n"; } } }
CONF
taskset -c $LOAD_CORE "$NGINX" -c "$WORK/up/nginx.conf" -e /dev/null &
PIDS+=($!)

# --- proxies under test, each listening on $PORT ---
mkdir -p "$WORK/ngx"
cat > "$WORK/ngx/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/ngx/nginx.pid; error_log /dev/null crit;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream up { server 127.0.0.1:$UP_PORT; keepalive 64; }
  server { listen 127.0.0.1:$PORT;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto \$scheme; } } }
CONF
cat > "$WORK/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
  option forwardfor
  http-reuse always
frontend fe
  bind 127.0.0.1:$PORT
  default_backend be
backend be
  server up 127.0.0.1:$UP_PORT
CONF

HOST_DLL=""
build_host() {
  dotnet build "$HERE/host" -c Release --artifacts-path /tmp/art-proxy-bench -v q -nologo >/dev/null
  HOST_DLL=$(find /tmp/art-proxy-bench/bin/ProxyBenchHost -name ProxyBenchHost.dll | head -1)
}
build_host

cpu_ticks() { local t=0; for p in "$@"; do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
rss_kb() { local t=0; for p in "$@"; do [ -r /proc/$p/status ] && t=$((t + $(awk '/VmRSS/{print $2}' /proc/$p/status))); done; echo $t; }
wait_port() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0; sleep 0.1; done; echo "proxy did not come up" >&2; return 1; }
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); print v+0} else if (v ~ /s$/) {sub(/s$/,"",v); print v*1000} else print v}'; }

declare -A RPS CPU P50 P99 RIDLE RLOAD
measure() {
  local name=$1; shift
  local pids=("$@")
  wait_port
  # warm-up (JIT, pools), then idle RSS
  taskset -c $LOAD_CORE wrk -t1 -c"$CONN" -d3s "http://127.0.0.1:$PORT/" >/dev/null
  sleep 1
  local ridle; ridle=$(rss_kb "${pids[@]}")
  local t0; t0=$(cpu_ticks "${pids[@]}")
  taskset -c $LOAD_CORE wrk -t1 -c"$CONN" -d"${DUR}s" --latency "http://127.0.0.1:$PORT/" > "$WORK/$name.wrk" &
  local w=$!
  sleep $((DUR / 2))
  local rload; rload=$(rss_kb "${pids[@]}")
  wait $w
  local t1; t1=$(cpu_ticks "${pids[@]}")
  local hz; hz=$(getconf CLK_TCK)
  local reqs; reqs=$(awk '/requests in/{print $1}' "$WORK/$name.wrk")
  local errors; errors=$(awk '/Non-2xx|Socket errors/{print}' "$WORK/$name.wrk" | tr '\n' ' ')
  RPS[$name]=$(awk '/Requests\/sec/{print $2}' "$WORK/$name.wrk")
  CPU[$name]=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v n="$reqs" 'BEGIN{printf "%.1f", d * 1e6 / hz / n}')
  P50[$name]=$(awk '$1=="50%"{print $2}' "$WORK/$name.wrk" | to_ms)
  P99[$name]=$(awk '$1=="99%"{print $2}' "$WORK/$name.wrk" | to_ms)
  RIDLE[$name]=$ridle; RLOAD[$name]=$rload
  echo "RESULT proxy=$name rps=${RPS[$name]} cpu_us_per_req=${CPU[$name]} p50_ms=${P50[$name]} p99_ms=${P99[$name]} rss_idle_kb=$ridle rss_load_kb=$rload requests=$reqs ${errors:+errors=\"$errors\"}"
}
stop() { for p in "$@"; do kill "$p" 2>/dev/null || true; done; for p in "$@"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done; }
children() { pgrep -P "$1" | tr '\n' ' '; }

for fwd in native yarp; do
  DOTNET_TieredPGO=1 DOTNET_gcServer=0 taskset -c $PROXY_CORE dotnet "$HOST_DLL" "$fwd" "$HERE/gateway.yaml" > "$WORK/sy-$fwd.log" 2>&1 &
  p=$!; measure "switchyard-$fwd" $p; stop $p
done

taskset -c $PROXY_CORE "$NGINX" -c "$WORK/ngx/nginx.conf" -e /dev/null & p=$!
sleep 0.5; measure nginx $p $(children $p); stop $p

taskset -c $PROXY_CORE "$HAPROXY" -f "$WORK/haproxy.cfg" -db > "$WORK/haproxy.log" 2>&1 & p=$!
measure haproxy $p; stop $p

for n in switchyard-native switchyard-yarp; do
  awk -v a="${CPU[$n]}" -v h="${CPU[haproxy]}" -v g="${CPU[nginx]}" -v p="${P99[$n]}" -v pn="${P99[nginx]}" -v n="$n" -v r="${RIDLE[$n]}" \
    'BEGIN{printf "RATIO proxy=%s cpu_vs_haproxy=%.2f cpu_vs_nginx=%.2f p99_vs_nginx=%.2f rss_idle_mb=%.1f\n", n, a/h, a/g, p/pn, r/1024}'
done
