# Sourced by the proxy benches (run.sh, cachesim.sh, instructions.sh): the peers' configurations, written once here so
# that every bench measures nginx and HAProxy set up the same way, and the benches' shared chores.
#   upstream_conf FILE PIDFILE UP_PORT              nginx, one worker, answering a static 20-byte 200 on UP_PORT
#   proxy_confs DIR PORT UP_PORT [NGINX_DIRECTIVES]  DIR/nginx.conf and DIR/haproxy.cfg: keep-alive reverse proxies on
#                                                   PORT to UP_PORT, adding X-Forwarded-For (nginx also -Proto); the
#                                                   directives go first in nginx.conf (cachesim.sh: master_process off)
#   ports_free PORT...                              exits with a message when something already listens on one of them
#   stop_and_clean                                  the callgrind benches' exit trap: kills the PIDS array's processes
#                                                   and removes WORK, which KEEP=1 keeps (and names)

ports_free() {
  for port in "$@"; do
    if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then echo "port $port is in use; stop what listens there first" >&2; exit 1; fi
  done
}

stop_and_clean() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  if [ -n "${KEEP:-}" ]; then echo "kept: $WORK" >&2; else rm -rf "$WORK"; fi
}

upstream_conf() {
  cat > "$1" <<CONF
worker_processes 1; daemon off; pid $2; error_log /dev/null crit;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$3; location / { return 200 "hello from upstream\n"; } } }
CONF
}

proxy_confs() {
  cat > "$1/nginx.conf" <<CONF
${4:-}worker_processes 1; daemon off; pid $1/nginx.pid; error_log /dev/null crit;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream up { server 127.0.0.1:$3; keepalive 64; }
  server { listen 127.0.0.1:$2;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto \$scheme; } } }
CONF
  cat > "$1/haproxy.cfg" <<CONF
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
  bind 127.0.0.1:$2
  default_backend be
backend be
  server up 127.0.0.1:$3
CONF
}
