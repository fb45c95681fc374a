#!/usr/bin/env bash
# nginx role, several frontends (nginx_peers): the role's checks and its
# nginx.conf template rendered for two frontends on loopback (127.0.0.1 and
# 127.0.0.2 as their private addresses, the same peer port), then both run:
# a playlist only B has is served by A through B's peer server, as the
# viewer's address; a name nowhere is one 404 and one peer hop; B's peer
# server does not pass requests on.  nginx_peers [] (or this frontend
# alone) renders no peer configuration.  A trusts an edge (127.0.0.4,
# nginx_realip_from) to name the viewer in X-Forwarded-For: A and B see
# the viewer, never the edge, and nobody else's header counts.
. "$(dirname "$0")/lib.sh"

mk_scratch
S=$scratch
cleanup() {
    stop_nginx "$S/a/nginx.pid"
    stop_nginx "$S/b/nginx.pid"
    rm_scratch
}
trap cleanup EXIT

so=$top/build/ngx_vstream_module.so
vstream=true
if [ ! -f "$so" ]; then
    vstream=false
    skip "peers: build/ngx_vstream_module.so is not built ('make module'); rendered without the module"
fi

peer_port=$(free_port)
http_a=$(free_port)
mkdir -p "$S/modules"
cp /etc/nginx/modules-enabled/50-mod-rtmp.conf "$S/modules/" 2>/dev/null ||
    echo 'load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;' >"$S/modules/50-mod-rtmp.conf"
$vstream && echo "load_module $so;" >"$S/modules/60-mod-vstream.conf"

# host NAME PEER_ADDR PEERS (YAML flow) [HTTP_PORT]: a frontend's variables
host() {
    cat <<HOST
    $1:
      nginx_peer_addr: "$2"
      nginx_peers: $3
      nginx_http_port: ${4:-$(free_port)}
      nginx_rtmp_port: $(free_port)
      nginx_hls_dir: $S/$1/hls
      nginx_log_dir: $S/$1/log
      nginx_pid_file: $S/$1/nginx.pid
      nginx_web_root: $S/$1/www
      nginx_admin_token_file: $S/$1/admin.token
      nginx_ingest_secret_file: $S/$1/ingest.key
HOST
}
{
    echo "all:"
    echo "  vars:"
    echo "    ansible_connection: local"
    echo "    ansible_python_interpreter: $PY"
    echo "    nginx_ingest_allow: [127.0.0.0/8]"
    echo "    nginx_tls_snippet: ''"
    echo "    nginx_vstream_enabled: $vstream"
    echo "    nginx_modules_enabled_dir: $S/modules"
    echo "    nginx_acme_webroot: $S/acme"
    echo "    nginx_worker_processes: 1"
    echo "    nginx_peer_port: $peer_port"
    echo "  hosts:"
    host a 127.0.0.1 "[127.0.0.1, 127.0.0.2]" "$http_a"
    echo "      nginx_realip_from: [127.0.0.4/32]"
    echo "      nginx_admin_allow: [127.0.0.4/32]"
    host b 127.0.0.2 "[127.0.0.1, 127.0.0.2]"
    host single 127.0.0.1 "[]"
    host alone 127.0.0.1 "[127.0.0.1]"
    host bad_peer 127.0.0.1 "[10.0.1.300]"
    host no_addr "" "[10.0.1.10, 10.0.1.11]"
    host bad_realip 127.0.0.1 "[]"
    echo "      nginx_realip_from: [all]"
} >"$S/inventory.yml"
for h in a b single alone; do
    mkdir -p "$S/$h/hls" "$S/$h/log"
    (umask 077; echo "tok-$h" >"$S/$h/admin.token"; openssl rand -hex 32 >"$S/$h/ingest.key")
done
cat >"$S/render.yml" <<'PLAY'
- name: The nginx role's checks and template, several frontends
  hosts: all
  gather_facts: false
  tasks:
    - name: The role's input checks (and its defaults, for the template)
      ansible.builtin.include_role:
        name: nginx
        tasks_from: validate
        public: true
    - name: Render nginx.conf
      ansible.builtin.template:
        src: "{{ roles_dir }}/nginx/templates/nginx.conf.j2"
        dest: "{{ scratch }}/{{ inventory_hostname }}/nginx.conf"
        mode: "0644"
PLAY

ANSIBLE_ROLES_PATH=$adir/roles play "$S/run.log" -i "$S/inventory.yml" -e scratch=$S -e roles_dir=$adir/roles \
    "$S/render.yml" 2>/dev/null
for h in bad_peer no_addr; do
    check "peers: the role refuses $h" \
        sh -c "grep -A8 -E '^(fatal|failed): \[$h\]' '$S/run.log' | grep -q 'nginx_peers must list IPv4 addresses'"
done
check "peers: the role refuses nginx_realip_from [all]" \
    sh -c "grep -A8 -E '^(fatal|failed): \[bad_realip\]' '$S/run.log' | grep -q 'nginx_realip_from must list CIDRs'"
for h in a b single alone; do
    check "peers: $h rendered" test -s "$S/$h/nginx.conf"
done
check "peers: without nginx_realip_from the public server trusts no header" \
    sh -c "! grep -q 'real_ip_recursive' '$S/single/nginx.conf'"

peerless() { test -s "$S/$1/nginx.conf" && ! grep -qE 'vstream_peers|try_files \$uri @|'"$peer_port" "$S/$1/nginx.conf"; }
check "peers: nginx_peers [] renders no peer configuration" peerless single
check "peers: a frontend listing only itself renders none either" peerless alone
check "peers: A's upstream is B alone (itself skipped)" \
    test "$(grep -E "^\s+server 127\.0\.0\.[0-9]+:$peer_port;" "$S/a/nginx.conf" | tr -d ' ')" = "server127.0.0.2:$peer_port;"
check "peers: each peer is tried once (proxy_next_upstream_tries 1)" \
    grep -q 'proxy_next_upstream_tries 1;' "$S/a/nginx.conf"
check "peers: next on error, timeout and 404" \
    grep -q 'proxy_next_upstream error timeout http_404;' "$S/a/nginx.conf"
check "peers: the peer server listens on the private address only" \
    grep -q "listen 127.0.0.2:$peer_port;" "$S/b/nginx.conf"
check "peers: and trusts the other frontend's X-Forwarded-For" \
    grep -qx '        set_real_ip_from 127.0.0.1;' "$S/b/nginx.conf"
for h in a b single; do
    check "peers: nginx -t accepts $h's configuration" nginx -t -q -c "$S/$h/nginx.conf"
done

# --- run A and B
nginx -c "$S/a/nginx.conf" && nginx -c "$S/b/nginx.conf" ||
    { not_ok "peers: A and B start"; finish; exit; }
up() { curl -s -o /dev/null "http://127.0.0.1:$http_a/"; }
check "peers: A answers" wait_for 10 up
printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\ncam9-0.ts\n' >"$S/b/hls/cam9.m3u8"
printf 'segment' >"$S/b/hls/cam9-0.ts"
# the viewer: 127.0.0.3 (A counts it as that; B sees it from A's header)
get() { curl -s --interface 127.0.0.3 -o "$S/got" -w '%{http_code}' "http://127.0.0.1:$http_a$1"; }
check "peers: A serves B's playlist (200)" test "$(get /hls/cam9.m3u8)" = 200
check "peers: ... B's file" cmp -s "$S/got" "$S/b/hls/cam9.m3u8"
check "peers: A serves B's segment (200)" test "$(get /hls/cam9-0.ts)" = 200
check "peers: B logged the viewer's address, not A's" \
    grep -q '^127\.0\.0\.3 .*"GET /hls/cam9\.m3u8 ' "$S/b/log/access.log"
# through the edge (127.0.0.4), which appends the viewer as CloudFront and
# the ALB do; whatever the viewer put before it is not believed
edge() {
    curl -s --interface "$1" -H "X-Forwarded-For: $2" -o /dev/null \
        -w '%{http_code}' "http://127.0.0.1:$http_a/hls/cam9.m3u8?$3"
}
check "peers: through the edge: 200" test "$(edge 127.0.0.4 198.51.100.7 e1)" = 200
check "peers: ... A logged the viewer the edge named, not the edge" \
    grep -q '^198\.51\.100\.7 .*"GET /hls/cam9\.m3u8?e1 ' "$S/a/log/access.log"
check "peers: ... and told B (B counts the viewer)" \
    grep -q '^198\.51\.100\.7 .*"GET /hls/cam9\.m3u8?e1 ' "$S/b/log/access.log"
edge 127.0.0.4 "127.0.0.1, 198.51.100.8" e2 >/dev/null
check "peers: ... a forged address before the viewer's is not believed" \
    grep -q '^198\.51\.100\.8 .*"GET /hls/cam9\.m3u8?e2 ' "$S/a/log/access.log"
edge 127.0.0.3 198.51.100.9 e3 >/dev/null
check "peers: ... the header from anyone but the edge counts as the sender" \
    grep -q '^127\.0\.0\.3 .*"GET /hls/cam9\.m3u8?e3 ' "$S/a/log/access.log"
if $vstream; then
    # the edge's own address is allowed to the admin API (401: the token is
    # asked); a viewer behind it is not (403)
    admin() {
        curl -s --interface 127.0.0.4 ${1:+-H "X-Forwarded-For: $1"} -o /dev/null \
            -w '%{http_code}' "http://127.0.0.1:$http_a/vstream/status"
    }
    check "peers: ... the admin API's allow rules see the viewer, not the edge (401 403)" \
        test "$(admin) $(admin 203.0.113.5)" = "401 403"
fi
check "peers: a name nowhere: 404" test "$(get /hls/nope.m3u8)" = 404
count() { grep -c "\"GET /hls/nope\.m3u8 " "$1" 2>/dev/null; }
check "peers: ... one request on A, one on B (one hop, no loop)" \
    test "$(count "$S/a/log/access.log") $(count "$S/b/log/access.log")" = "1 1"
direct=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.2:$peer_port/hls/nope2.m3u8")
check "peers: B's peer server answers from its files only (404, A never asked)" \
    test "$direct $(grep -c nope2 "$S/a/log/access.log")" = "404 0"
check "peers: B's peer server serves nothing but /hls/" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.2:$peer_port/vstream/status")" = 404
if $vstream; then
    check "peers: no alerts in A's or B's error log" \
        sh -c "! grep -hE '\[(alert|emerg|crit)\]' '$S/a/log/error.log' '$S/b/log/error.log'"
fi


# One ingest secret for the fleet (a load balancer may hand the streamer's
# publisher to any frontend), one admin token each: the role's secrets
# tasks for a and b with their own paths.
cat >"$S/secrets.yml" <<'PLAY'
- name: The nginx role's secrets, two frontends
  hosts: a,b
  gather_facts: false
  tasks:
    - name: The admin token and the ingest secret
      ansible.builtin.include_role:
        name: nginx
        tasks_from: secrets
PLAY
rm -f "$S"/a/admin.token "$S"/b/admin.token
cmp -s "$S/a/ingest.key" "$S/b/ingest.key" && not_ok "peers: a and b start with different ingest secrets"
ANSIBLE_ROLES_PATH=$adir/roles play "$S/secrets.log" -i "$S/inventory.yml" \
    -e '{"nginx_vstream_enabled": true, "nginx_manage_service": false}' "$S/secrets.yml" || not_ok "peers: the secrets tasks ran"
check "peers: one ingest secret for the fleet (a's and b's are the same, 64 hex digits)" \
    sh -c "cmp -s '$S/a/ingest.key' '$S/b/ingest.key' && grep -qxE '[0-9a-f]{64}' '$S/a/ingest.key'"
check "peers: each frontend its own admin token" \
    sh -c "test -s '$S/a/admin.token' && ! cmp -s '$S/a/admin.token' '$S/b/admin.token'"
check "peers: the secrets are root's, 0600" \
    test "$(stat -c '%U %a' "$S/b/ingest.key" "$S/b/admin.token" | sort -u)" = "root 600"
finish
