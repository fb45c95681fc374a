#!/usr/bin/env bash
# nginx + ssl roles: frontend.yml against this machine (connection: local),
# every path under a scratch directory seeded with Debian's /etc/nginx and
# every port high; nginx_manage_service=false, so this test starts nginx
# itself from the rendered configuration, checks HTTPS, the module and the
# admin API, publishes from a namespace standing in for the private subnet,
# and asserts a second run changes nothing.
. "$(dirname "$0")/lib.sh"

mk_scratch
S=$scratch
id=vsf$$
ff_pid=
trap frontend_cleanup EXIT

# The module: the role builds it on the "host" with `make module`; when the
# repository cannot build it yet, the module's checks are skipped (loudly).
# (VSTREAM_ANSIBLE_NO_MODULE=1 forces that, for work on the roles alone.)
vstream=true
if [ -n "${VSTREAM_ANSIBLE_NO_MODULE:-}" ] ||
    ! make -s -C "$top" -o deps-module module >"$S/make-module.log" 2>&1; then
    vstream=false
    skip "frontend: build/ngx_vstream_module.so cannot be built ('make module' fails); nginx role runs without the module (nginx_vstream_enabled=false) and every module check is skipped"
fi

http_port=$(free_port); https_port=$(free_port); rtmp_port=$(free_port)
# A subnet of its own for the publisher namespace (the "private subnet").
net=10.$((200 + $$ % 50)).$(($$ % 250))
frontend_scratch "$S" || not_ok "frontend: clone the repository"
conf=$S/etc/nginx/nginx.conf
# realip_from as terraform's inventory hands it (a documentation range: the
# test's own requests come from loopback and stay themselves)
frontend_inventory "$S" "$net" "$vstream" "$http_port" "$https_port" "$rtmp_port" <<'HOSTVARS'
          realip_from: [192.0.2.0/24, 198.51.100.0/24]
HOSTVARS

$vstream && { debs_save "$S" || { not_ok "frontend: dpkg-repack ${debs_had[*]} (installed before the test; deploy/deps.sh deb)"; exit 1; }; }

t0=$SECONDS
if ! play "$S/run1.log" -i "$S/inventory.yml" frontend.yml; then
    not_ok "frontend: frontend.yml runs (ssl self-signed + nginx)"
    exit 1
fi
ok "frontend: frontend.yml runs (ssl self-signed + nginx) in $((SECONDS - t0)) s"

# --- what was rendered and installed
check "frontend: nginx -t accepts the rendered configuration" nginx -t -q -c "$conf"
check "frontend: the inventory's realip_from is trusted for X-Forwarded-For, recursively" \
    sh -c "grep -qx '        set_real_ip_from 192.0.2.0/24;' '$conf' &&
           grep -qx '        set_real_ip_from 198.51.100.0/24;' '$conf' &&
           grep -qx '        real_ip_header X-Forwarded-For;' '$conf' &&
           grep -qx '        real_ip_recursive on;' '$conf'"
check "frontend: a reload's old workers let go of publishers (worker_shutdown_timeout)" \
    grep -qx 'worker_shutdown_timeout 30s;' "$conf"
check "frontend: HLS directory is outside /tmp in the role's default" \
    grep -qx 'nginx_hls_dir: /var/lib/vstream/hls' "$adir/roles/nginx/defaults/main.yml"
check "frontend: HLS directory belongs to the worker user" \
    test "$(stat -c %U "$S/var/lib/vstream/hls")" = www-data
check "frontend: TLS snippet allows TLSv1.2 and TLSv1.3 only" \
    grep -qx 'ssl_protocols TLSv1.2 TLSv1.3;' "$S/etc/nginx/snippets/vstream-tls.conf"
check "frontend: self-signed key is private (0600)" \
    test "$(stat -c %a "$S/etc/nginx/vstream/tls/selfsigned.key")" = 600
rtmp_loads=$(cat "$S"/etc/nginx/modules-enabled/*.conf | grep -c '^[[:space:]]*load_module.*ngx_rtmp_module')
check "frontend: nginx-rtmp is loaded exactly once ($rtmp_loads)" test "$rtmp_loads" = 1
if $vstream; then
    check "frontend: 60-mod-vstream.conf is the package's, loading only our module" \
        test "$(readlink "$S/etc/nginx/modules-enabled/60-mod-vstream.conf")" = \
             /usr/share/nginx/modules-available/mod-vstream.conf -a \
             "$(grep -c '^load_module' "$S/etc/nginx/modules-enabled/60-mod-vstream.conf")" = 1
    mod_deb=$(ls "$S"/src/build/deb/libnginx-mod-vstream_*.deb 2>/dev/null)
    check "frontend: the packages were built on the host with make deb and installed" \
        test -n "$mod_deb" -a "$(dpkg-query -W -f='${db:Status-Status}' libnginx-mod-vstream vstreamctl)" = installedinstalled
    check "frontend: the installed module is the one built on the host" \
        cmp -s <(dpkg-deb -I "$mod_deb" md5sums) "$(dpkg-query --control-path libnginx-mod-vstream md5sums)"
    check "frontend: vstream_ingest_allow is the private subnet" \
        grep -q "vstream_ingest_allow $net.0/24;" "$conf"
    check "frontend: vstream_hls_path is hls_path" \
        test "$(grep -c "_path $S/var/lib/vstream/hls;" "$conf")" = 2
    check "frontend: vstream_zone, admin and viewer counting are configured" \
        grep -q '^vstream_zone 8m;' "$conf" &&
        grep -q 'vstream_admin;' "$conf" && grep -q 'vstream_hls_viewers on;' "$conf"
    token=$S/etc/nginx/vstream/admin.token
    check "frontend: admin token is root's, mode 0600, 64 hex digits" \
        test "$(stat -c '%U %a' "$token")" = "root 600" -a \
             -n "$(grep -xE '[0-9a-f]{64}' "$token")"
fi

# --- run nginx from what the roles rendered
if ! nginx -c "$conf"; then
    not_ok "frontend: nginx starts from the rendered configuration"
    exit 1
fi
up() { curl -sk -o /dev/null "https://127.0.0.1:$https_port/"; }
check "frontend: nginx answers HTTPS" wait_for 10 up
check "frontend: the player page is served at /" \
    sh -c "curl -sk https://127.0.0.1:$https_port/ | grep -qi '<video'"
check "frontend: the real player and dashboard are shipped (hls.js, dashboard/)" \
    sh -c "curl -skf -o /dev/null https://127.0.0.1:$https_port/js/hls.min.js &&
           curl -skf https://127.0.0.1:$https_port/dashboard/ | grep -qi 'dashboard'"
code_loc=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$http_port/x?y")
check "frontend: plain HTTP redirects to HTTPS ($code_loc)" \
    test "$code_loc" = "301 https://127.0.0.1:$https_port/x?y"
tls() { echo | timeout 5 openssl s_client -connect 127.0.0.1:$https_port "$@" >/dev/null 2>&1; }
check "frontend: TLSv1.3 handshake succeeds" tls -tls1_3
check "frontend: TLSv1.2 handshake succeeds" tls -tls1_2
# The client offers the old protocol (SECLEVEL=0 lets OpenSSL 3 try); the
# server must answer with a protocol_version alert.
refused() {
    local out
    out=$(echo | timeout 5 openssl s_client -connect 127.0.0.1:$https_port "$1" \
        -cipher DEFAULT@SECLEVEL=0 2>&1)
    grep -q 'alert protocol version' <<<"$out"
}
check "frontend: TLSv1.1 is refused (protocol_version alert)" refused -tls1_1
check "frontend: TLSv1.0 is refused (protocol_version alert)" refused -tls1

if $vstream; then
    tok=$(cat "$token")
    st=$(curl -sk -w '\n%{http_code}' -H "Authorization: Bearer $tok" "https://127.0.0.1:$https_port/vstream/status")
    check "frontend: /vstream/status with the token answers 200 (module loaded)" \
        test "$(echo "$st" | tail -1)" = 200
    check "frontend: /vstream/status is version 1 JSON" \
        sh -c "echo '$(echo "$st" | head -n -1)' | $PY -c 'import json,sys; assert json.load(sys.stdin)[\"version\"] == 1'"
    check "frontend: /vstream/status without the token answers 401" \
        test "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$https_port/vstream/status")" = 401
fi

# --- a publisher in the private subnet (a namespace) is accepted, one on
# loopback is not; the HLS it produces is served over HTTPS.
publisher_ns $id $net || not_ok "frontend: publisher namespace"
# publish NETNS|- URL SECONDS: a test pattern; timeout is outermost so that
# killing it stops ffmpeg too.
publish() {
    local wrap=()
    [ "$1" != - ] && wrap=(ip netns exec "$1")
    timeout "$3" "${wrap[@]}" ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi \
        -i testsrc2=size=320x240:rate=25 -c:v libx264 -preset ultrafast -g 25 \
        -f flv "$2" 2>>"$S/ffmpeg.log"
}
# the module wants a signed key (nginx_ingest_secret_file)
key=
if $vstream; then
    check "frontend: ingest secret is root's, mode 0600, and in the rtmp application" \
        test "$(stat -c '%U %a' "$S/etc/nginx/vstream/ingest.key")" = "root 600" -a \
             -n "$(grep "vstream_ingest_secret_file $S/etc/nginx/vstream/ingest.key;" "$conf")"
    make -s -C "$top" -o deps vstreamctl >>"$S/make-module.log" 2>&1 &&
        key=$("$top/build/vstreamctl" sign --secret-file "$S/etc/nginx/vstream/ingest.key" \
            live/cam1 --ttl 600) || not_ok "frontend: vstreamctl sign"
    key=${key#live/cam1}
fi
publish $id "rtmp://$net.1:$rtmp_port/live/cam1$key" 30 &
ff_pid=$!
playlist() { curl -sk -o "$S/cam1.m3u8" -w '%{http_code}' "https://127.0.0.1:$https_port/hls/cam1.m3u8" | grep -qx 200; }
check "frontend: a publisher in the private subnet produces HLS served over HTTPS" wait_for 20 playlist
hdrs=$(curl -sk -D - -o /dev/null "https://127.0.0.1:$https_port/hls/cam1.m3u8")
check "frontend: playlists are application/vnd.apple.mpegurl" \
    grep -qi '^content-type: application/vnd.apple.mpegurl' <<<"$hdrs"
check "frontend: playlists are not cached" grep -qi '^cache-control: no-cache' <<<"$hdrs"
seg=$(grep -m1 '\.ts$' "$S/cam1.m3u8")
check "frontend: segments are video/mp2t" \
    sh -c "curl -sk -D - -o /dev/null 'https://127.0.0.1:$https_port/hls/$seg' | grep -qi '^content-type: video/mp2t'"
publish - "rtmp://127.0.0.1:$rtmp_port/live/intruder" 5
check "frontend: a publisher outside the private subnet is refused" \
    test ! -e "$S/var/lib/vstream/hls/intruder.m3u8"
if $vstream; then
    st=$(curl -sk -H "Authorization: Bearer $tok" "https://127.0.0.1:$https_port/vstream/status")
    check "frontend: the module lists the stream and the refusal" \
        $PY -c 'import json,sys; d=json.loads(sys.argv[1]); assert any(s["name"]=="cam1" for s in d["streams"]), d; assert any(x["reason"]=="cidr" and x["stream"]=="intruder" for x in d["denied"]), d' "$st"
    # each worker merges its HLS counts into the zone every 500 ms
    counted() {
        curl -sk -H "Authorization: Bearer $tok" "https://127.0.0.1:$https_port/vstream/status" |
            $PY -c 'import json,sys; d=json.load(sys.stdin); s=[s for s in d["streams"] if s["name"]=="cam1"][0]; assert s["viewers"]["playlist_requests"] >= 1 and s["viewers"]["segment_requests"] >= 1, s["viewers"]'
    }
    check "frontend: /hls/ requests are counted (vstream_hls_viewers)" wait_for 3 counted
fi
stop_bg "$ff_pid"; ff_pid=

# --- idempotence
second_run frontend frontend.yml

finish
