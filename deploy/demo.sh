#!/usr/bin/env bash
# make demo: the whole pipeline on this machine, the way it runs on AWS.
#
#   streamer (network namespace vstream-demo-PID, 10.77.0.2)
#     ffmpeg test pattern + tone --RTMP--> 10.77.0.1:1935 (nginx, host side)
#   nginx + nginx-rtmp + vstream: vstream_ingest_allow 10.77.0.0/24, HLS
#     (1 s fragments) over HTTPS with a self-signed certificate, the admin API
#     on /vstream/ (loopback only, no token), the player at /, the dashboard
#     at /dashboard/.
#
# Runs in the foreground until Ctrl-C (or SIGTERM), then removes everything
# it made: processes, namespace, veth pair, temporary directory.  Needs root
# (network namespaces) and `make module` (build/ngx_vstream_module.so).
#
# Environment:
#   VSTREAM_DEMO_HTTP_PORT   8080  plain HTTP, redirects to HTTPS
#   VSTREAM_DEMO_HTTPS_PORT  8443  pages, HLS, admin API
#   VSTREAM_DEMO_RTMP_PORT   1935  RTMP ingest
#   VSTREAM_DEMO_NET         10.77.0  the streamer's /24 (host .1, namespace .2)
#   VSTREAM_DEMO_SIZE        854x480  the test pattern's size
#   VSTREAM_DEMO_DIR         a directory to create for the demo's files
#                            (default: a new one under $TMPDIR); it must not
#                            exist yet, and is removed on exit
#   VSTREAM_MODULE, VSTREAM_NGINX  the module and nginx to run
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
http_port=${VSTREAM_DEMO_HTTP_PORT:-8080}
https_port=${VSTREAM_DEMO_HTTPS_PORT:-8443}
rtmp_port=${VSTREAM_DEMO_RTMP_PORT:-1935}
net=${VSTREAM_DEMO_NET:-10.77.0}
size=${VSTREAM_DEMO_SIZE:-854x480}
nginx=${VSTREAM_NGINX:-/usr/sbin/nginx}
module=${VSTREAM_MODULE:-$top/build/ngx_vstream_module.so}
rtmp_so=${VSTREAM_RTMP_SO:-/usr/lib/nginx/modules/ngx_rtmp_module.so}

ns=vstream-demo-$$
veth_host=vsd$$h
veth_ns=vsd$$n
host_addr=$net.1
ns_addr=$net.2

say() { printf 'demo: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# --- checks, before anything is made ---------------------------------------

[ "$(id -u)" -eq 0 ] ||
    die "needs root (network namespaces, nginx on its ports): run it with sudo"
for tool in ip ffmpeg openssl ss curl; do
    command -v "$tool" >/dev/null ||
        die "$tool not found: run deploy/deps.sh demo (or make demo)"
done
[ -x "$nginx" ] || die "nginx not found at $nginx: run deploy/deps.sh demo"
[ -f "$rtmp_so" ] || die "nginx-rtmp not found at $rtmp_so: run deploy/deps.sh demo"
[ -f "$module" ] || die "the module is not built ($module): run make module"
[[ $net =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] ||
    die "VSTREAM_DEMO_NET=$net: want the first three octets of a /24, e.g. 10.77.0"
[ -z "$(ip -4 route show "$net.0/24")" ] ||
    die "$net.0/24 is already routed on this host (another demo running?): set VSTREAM_DEMO_NET"
ports=()
for p in "$http_port" "$https_port" "$rtmp_port"; do
    if ! [[ $p =~ ^[0-9]+$ ]] || [ "$p" -lt 1 ] || [ "$p" -gt 65535 ]; then
        die "port '$p' is not a port number"
    fi
    for q in "${ports[@]}"; do
        [ "$p" != "$q" ] || die "port $p is given twice"
    done
    ports+=("$p")
    [ -z "$(ss -Hltn "sport = :$p")" ] ||
        die "port $p is in use: choose others with VSTREAM_DEMO_HTTP_PORT, VSTREAM_DEMO_HTTPS_PORT, VSTREAM_DEMO_RTMP_PORT"
done

# The pages (build/web); quick when they are up to date.
"$top/web/build.sh" >&2 || die "web/build.sh failed"

if [ -n "${VSTREAM_DEMO_DIR:-}" ]; then
    # only ever remove a directory this script made
    [ ! -e "$VSTREAM_DEMO_DIR" ] ||
        die "VSTREAM_DEMO_DIR=$VSTREAM_DEMO_DIR exists; give a path that does not"
    mkdir -p "$(dirname "$VSTREAM_DEMO_DIR")"
    mkdir "$VSTREAM_DEMO_DIR"
    dir=$(cd "$VSTREAM_DEMO_DIR" && pwd)
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/vstream-demo.XXXXXX")
fi

# --- cleanup: whatever was made so far -------------------------------------

pub_loop=
denied_pid=
ns_made=0
cleaning=0

nginx_master() {
    local pid
    pid=$(cat "$dir/logs/nginx.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# wait_gone SECONDS PID...: true once none of the PIDs is alive
wait_gone() {
    local n=$(( $1 * 10 )) pid alive
    shift
    while [ $n -gt 0 ]; do
        alive=0
        for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive -eq 0 ] && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

cleanup() {
    [ $cleaning -eq 0 ] || return 0
    cleaning=1
    trap '' INT TERM
    set +e
    say "stopping"
    # the publisher loop first, so it does not start ffmpeg again
    if [ -n "$pub_loop" ]; then kill "$pub_loop" 2>/dev/null; wait "$pub_loop" 2>/dev/null; fi
    if [ -n "$denied_pid" ]; then kill "$denied_pid" 2>/dev/null; wait "$denied_pid" 2>/dev/null; fi
    if [ $ns_made -eq 1 ]; then
        local pids
        pids=$(ip netns pids "$ns" 2>/dev/null)
        if [ -n "$pids" ]; then
            kill $pids 2>/dev/null
            wait_gone 5 $pids || kill -KILL $pids 2>/dev/null
        fi
    fi
    local master workers
    if master=$(nginx_master); then
        workers=$(pgrep -P "$master")
        kill -TERM "$master"
        wait_gone 10 "$master" $workers || kill -KILL "$master" $workers 2>/dev/null
    fi
    if [ $ns_made -eq 1 ]; then
        ip link del "$veth_host" 2>/dev/null
        ip netns del "$ns" 2>/dev/null
    fi
    rm -rf "$dir"
    say "stopped; removed the namespace $ns and $dir"
}
trap 'exit 0' INT           # Ctrl-C is how the demo is meant to end
trap 'exit 143' TERM
trap cleanup EXIT

mkdir -p "$dir"/{conf,logs,hls,rec,tls,www}
chmod 0755 "$dir"
# nginx's workers (user nobody) write the HLS files and recordings, and read
# the pages
chown nobody:nogroup "$dir/hls" "$dir/rec"
cp -r "$top/build/web/." "$dir/www/"
chmod -R a+rX "$dir/www"

# --- the private subnet: a namespace with a veth pair to this host ---------

ip netns add "$ns"
ns_made=1
ip link add "$veth_host" type veth peer name "$veth_ns"
ip link set "$veth_ns" netns "$ns"
ip addr add "$host_addr/24" dev "$veth_host"
ip link set "$veth_host" up
ip netns exec "$ns" ip addr add "$ns_addr/24" dev "$veth_ns"
ip netns exec "$ns" ip link set "$veth_ns" up
ip netns exec "$ns" ip link set lo up

# --- a self-signed certificate ---------------------------------------------

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 7 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
    -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" 2>"$dir/logs/openssl.log" ||
    die "openssl could not make a certificate: $(cat "$dir/logs/openssl.log")"
chmod 0600 "$dir/tls/key.pem"

# --- nginx -----------------------------------------------------------------

# listens PORT [ssl]: loopback (IPv4, and IPv6 where the host has it) and the
# host's address on the streamer's subnet; nothing on the machine's other
# networks (from elsewhere: ssh -L)
listens() {
    local a
    for a in 127.0.0.1 "$host_addr" $([ -f /proc/net/if_inet6 ] && echo '[::1]'); do
        printf '        listen %s:%s%s;\n' "$a" "$1" "${2:+ $2}"
    done
}

cat >"$dir/conf/nginx.conf" <<EOF
# make demo: generated by deploy/demo.sh
load_module $rtmp_so;
load_module $module;

user nobody nogroup;
worker_processes 2;
worker_shutdown_timeout 10s;
pid $dir/logs/nginx.pid;
error_log $dir/logs/error.log info;

# stream records, counters and recent denials, shared by both workers
vstream_zone 8m;

events { worker_connections 512; }

rtmp {
    server {
        # the host side of the streamer's subnet, and loopback (to show a
        # refused publisher)
        listen $host_addr:$rtmp_port;
        listen 127.0.0.1:$rtmp_port;
        chunk_size 4096;

        application live {
            live on;
            record off;
            deny play all;
            # only the private subnet may publish
            vstream_ingest_allow $net.0/24;

            hls on;
            hls_path $dir/hls;
            hls_fragment 1s;
            hls_playlist_length 6s;
            vstream_hls_path $dir/hls;

            # every publish kept as a recording (hard links: same file system)
            vstream_record_path $dir/rec;
            vstream_record_max_size 500m;
        }
    }
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    server_tokens off;
    access_log $dir/logs/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;

    server {
$(listens "$http_port")
        return 301 https://\$host:$https_port\$request_uri;
    }

    server {
$(listens "$https_port" ssl)
        ssl_certificate $dir/tls/cert.pem;
        ssl_certificate_key $dir/tls/key.pem;

        root $dir/www;
        index index.html;

        location / {
            try_files \$uri \$uri/ =404;
        }

        location /hls/ {
            alias $dir/hls/;
            vstream_hls_viewers on;
            add_header Cache-Control no-cache;
        }

        # recordings: /rec/APP/NAME/ID/index.m3u8, the API's "playlist"
        location /rec/ {
            alias $dir/rec/;
            location ~ \\.ts\$ {
                add_header Cache-Control "public, max-age=31536000, immutable";
            }
            location ~ \\.m3u8\$ {
                add_header Cache-Control "max-age=2";
            }
        }

        # the admin API: loopback only, no token in the demo
        location /vstream/ {
            allow 127.0.0.1;
            allow ::1;
            deny all;
            vstream_admin;
        }
    }
}
EOF
mkdir -p "$dir/tmp"

"$nginx" -t -q -p "$dir/" -c "$dir/conf/nginx.conf" -e "$dir/logs/error.log" 2>"$dir/logs/nginx-t.log" ||
    die "nginx -t failed: $(cat "$dir/logs/nginx-t.log")"
"$nginx" -p "$dir/" -c "$dir/conf/nginx.conf" -e "$dir/logs/error.log" ||
    die "nginx did not start: $(tail -5 "$dir/logs/error.log")"

# --- the streamer: ffmpeg in the namespace, started again if it stops ------
# (after a drop from the dashboard it comes back within a few seconds, as the
# streamer's systemd unit does on AWS)

publish() {
    ip netns exec "$ns" ffmpeg -nostdin -hide_banner -loglevel warning \
        -re -f lavfi -i "testsrc2=size=$size:rate=25" \
        -f lavfi -i "sine=frequency=440:sample_rate=44100" \
        -c:v libx264 -preset veryfast -tune zerolatency -profile:v main \
        -pix_fmt yuv420p -g 25 -keyint_min 25 -sc_threshold 0 \
        -b:v 1000k -maxrate 1200k -bufsize 2000k \
        -c:a aac -b:a 96k -ar 44100 -ac 2 \
        -f flv "rtmp://$host_addr:$rtmp_port/live/demo"
}

(
    trap - INT TERM EXIT
    while :; do
        publish >>"$dir/logs/ffmpeg.log" 2>&1 </dev/null || true
        echo "publisher stopped at $(date -u +%T); starting again in 3 s" >>"$dir/logs/ffmpeg.log"
        sleep 3
    done
) &
pub_loop=$!

# A publisher from outside the allowed subnet (loopback here): refused with
# reason cidr, so the dashboard's "recent denials" shows one.
timeout 10 ffmpeg -nostdin -hide_banner -loglevel error -re \
    -f lavfi -i "testsrc2=size=320x240:rate=10" -t 3 -c:v libx264 -preset ultrafast \
    -f flv "rtmp://127.0.0.1:$rtmp_port/live/intruder" >"$dir/logs/denied.log" 2>&1 </dev/null &
denied_pid=$!

# A 6 s clip from the namespace: a complete recording to play back at once.
ip netns exec "$ns" ffmpeg -nostdin -hide_banner -loglevel error -re \
    -f lavfi -i "testsrc2=size=$size:rate=25" \
    -f lavfi -i "sine=frequency=880:sample_rate=44100" -t 6 \
    -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p -c:a aac -b:a 64k \
    -f flv "rtmp://$host_addr:$rtmp_port/live/clip" >"$dir/logs/clip.log" 2>&1 </dev/null &

# --- ready: wait for a healthy HLS stream, then print the URLs -------------

base=https://127.0.0.1:$https_port
ready=0
for _ in $(seq 1 300); do          # 30 s at most
    if curl -ksf --max-time 2 "$base/vstream/status" 2>/dev/null |
            grep -q '"name": *"demo".*"healthy": *true'; then
        ready=1
        break
    fi
    nginx_master >/dev/null || die "nginx stopped: $(tail -5 "$dir/logs/error.log")"
    sleep 0.1
done
[ $ready -eq 1 ] ||
    say "no healthy HLS stream yet after 30 s; see $dir/logs/ffmpeg.log and error.log"

ctl=$top/build/vstreamctl
[ "$PWD" != "$top" ] || ctl=build/vstreamctl
cat <<EOF

vstream demo is running (Ctrl-C stops it and removes everything).

  player     $base/
  dashboard  $base/dashboard/
  status     $base/vstream/status
  metrics    $base/vstream/metrics
  HLS        $base/hls/demo.m3u8
  (self-signed certificate: accept the browser's warning; http://127.0.0.1:$http_port/ redirects)

  publisher  ffmpeg in namespace $ns ($ns_addr) -> rtmp://$host_addr:$rtmp_port/live/demo
  refused    a publisher from 127.0.0.1 (not in $net.0/24) -> see the dashboard's denials
  CLI        $ctl status --url $base/vstream -k
  recordings $base/vstream/recordings (served under $base/rec/)
  files      $dir (conf/nginx.conf, logs/, hls/, rec/)

EOF

# --- foreground until a signal; stop if nginx dies -------------------------

while nginx_master >/dev/null; do
    sleep 1 &
    wait $! || true
done
die "nginx stopped: $(tail -5 "$dir/logs/error.log")"
