#!/usr/bin/env bash
# nginx role with nginx_rtmps_enabled: frontend.yml against this machine
# (as t_frontend.sh, every path under a scratch directory, high ports),
# then nginx started from what it rendered: an ffmpeg publisher in a
# namespace standing in for a laptop on the internet publishes rtmps:// with
# a signed key and the module sees its own address (the stream module's
# PROXY header), TLS 1.0/1.1 are refused on the RTMPS port, the loopback
# listener refuses a connection without a PROXY header, and a second run
# changes nothing.
. "$(dirname "$0")/lib.sh"

mk_scratch
S=$scratch
id=vsr$$
ff_pid=
trap frontend_cleanup EXIT

if [ ! -f /usr/lib/nginx/modules/ngx_stream_module.so ]; then
    skip "rtmps: libnginx-mod-stream is not installed (deploy/packages/rtmps.txt)"
    exit 0
fi
if ! make -s -C "$top" -o deps module vstreamctl >"$S/make.log" 2>&1; then
    skip "rtmps: the module or vstreamctl cannot be built (make module vstreamctl fails)"
    exit 0
fi

http_port=$(free_port); https_port=$(free_port); rtmp_port=$(free_port)
rtmps_port=$(free_port); backend_port=$(free_port)
# The private subnet (plain RTMP) and a "public" publisher's subnet (RTMPS).
net=10.200.107
pub=10.200.108
frontend_scratch "$S" || not_ok "rtmps: clone the repository"
conf=$S/etc/nginx/nginx.conf
frontend_inventory "$S" "$net" true "$http_port" "$https_port" "$rtmp_port" <<INV
          nginx_rtmps_enabled: true
          nginx_rtmps_port: $rtmps_port
          nginx_rtmps_backend_port: $backend_port
          ingest_public_cidrs: [$pub.0/24]
INV
debs_save "$S" || { not_ok "rtmps: dpkg-repack ${debs_had[*]} (installed before the test)"; exit 1; }

t0=$SECONDS
if ! play "$S/run1.log" -i "$S/inventory.yml" frontend.yml; then
    not_ok "rtmps: frontend.yml runs with nginx_rtmps_enabled"
    exit 1
fi
ok "rtmps: frontend.yml runs with nginx_rtmps_enabled in $((SECONDS - t0)) s"

stream_snippet=$S/etc/nginx/snippets/vstream-tls-stream.conf
check "rtmps: nginx -t accepts the rendered configuration" nginx -t -q -c "$conf"
check "rtmps: the stream server listens with TLS on nginx_rtmps_port" \
    grep -q "^        listen $rtmps_port ssl;" "$conf"
check "rtmps: and passes PROXY protocol to the loopback nginx-rtmp listener" \
    sh -c "grep -q '^        proxy_pass 127.0.0.1:$backend_port;' '$conf' &&
           grep -q '^        proxy_protocol on;' '$conf' &&
           grep -q '^        listen 127.0.0.1:$backend_port proxy_protocol;' '$conf'"
check "rtmps: the plain RTMP listener stays" grep -q "^        listen $rtmp_port;" "$conf"
check "rtmps: ingest_public_cidrs are allowed to publish" \
    grep -q "vstream_ingest_allow $pub.0/24;" "$conf"
check "rtmps: the stream TLS snippet: the ssl role's certificate, TLS 1.2+ only, no HSTS" \
    sh -c "grep -qx 'ssl_certificate $S/etc/nginx/vstream/tls/selfsigned.crt;' '$stream_snippet' &&
           grep -qx 'ssl_protocols TLSv1.2 TLSv1.3;' '$stream_snippet' &&
           ! grep -q 'add_header' '$stream_snippet'"

if ! nginx -c "$conf"; then
    not_ok "rtmps: nginx starts from the rendered configuration"
    exit 1
fi
up() { echo | timeout 5 openssl s_client -connect 127.0.0.1:$rtmps_port >/dev/null 2>&1; }
check "rtmps: TLS handshake on the RTMPS port" wait_for 10 up
refused() {
    local out
    out=$(echo | timeout 10 openssl s_client -connect 127.0.0.1:$rtmps_port "$1" \
        -cipher DEFAULT@SECLEVEL=0 2>&1)
    grep -q 'alert protocol version' <<<"$out" && return 0
    grep -i 'alert\|error' <<<"$out" | head -3 | sed 's/^/#   /' >&2
    return 1
}
check "rtmps: TLSv1.1 is refused on the RTMPS port" refused -tls1_1
check "rtmps: TLSv1.0 is refused on the RTMPS port" refused -tls1
# C0 and C1 of an RTMP handshake, no PROXY header: closed without an answer
nopp=$(timeout 10 $PY -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(b"\x03" + b"\0" * 1536)
s.settimeout(8)
try:
    print(len(s.recv(4096)))
except ConnectionResetError:
    print(0)' "$backend_port" 2>&1)
check "rtmps: the loopback listener closes a connection without PROXY header ($nopp bytes)" \
    test "$nopp" = 0

publisher_ns $id $pub || not_ok "rtmps: publisher namespace"
key=$("$top/build/vstreamctl" sign --secret-file "$S/etc/nginx/vstream/ingest.key" \
    live/laptop --ttl 600 --base "rtmps://$pub.1:$rtmps_port/live")
timeout 40 ip netns exec $id ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi \
    -i testsrc2=size=320x240:rate=25 -c:v libx264 -preset ultrafast -g 25 \
    -f flv "$key" 2>>"$S/ffmpeg.log" &
ff_pid=$!
tok=$(cat "$S/etc/nginx/vstream/admin.token")
status() { curl -sk -H "Authorization: Bearer $tok" "https://127.0.0.1:$https_port/vstream/status"; }
addr_of() {   # addr_of NAME: the publisher address status shows
    status | $PY -c 'import json,sys; d=json.load(sys.stdin); print("".join(s["publisher"]["addr"] for s in d["streams"] if s["name"]==sys.argv[1]))' "$1"
}
live() { [ -n "$(addr_of laptop)" ]; }
if wait_for 20 live; then
    ok "rtmps: a signed rtmps:// publish from the namespace goes live"
else
    not_ok "rtmps: a signed rtmps:// publish from the namespace goes live"
    sed 's/^/#   ffmpeg: /' "$S/ffmpeg.log" | head -5
fi
check "rtmps: status shows the publisher's own address ($(addr_of laptop))" \
    test "$(addr_of laptop)" = "$pub.30"
stop_bg "$ff_pid"; ff_pid=

second_run rtmps frontend.yml

finish
