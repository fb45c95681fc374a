# Shared helpers for the ansible tests; sourced by tests/t_*.sh.
# Each test prints TAP-like lines ("ok - ..." / "not ok - ...") that run.sh counts.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
adir=$top/ansible
export ANSIBLE_CONFIG=$adir/ansible.cfg
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_CALLBACKS_ENABLED=profile_tasks
export ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCALHOST_WARNING=0
PY=/usr/bin/python3
failures=0

ok()     { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }
skip()   { echo "ok - # SKIP $*"; }

# check DESCRIPTION COMMAND...: one assertion.
check() {
    local desc=$1; shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# A scratch directory removed by the test's cleanup; under /var/tmp, since
# the roles refuse HLS directories under /tmp.
mk_scratch() {
    scratch=$(mktemp -d /var/tmp/vstream-ansible.XXXXXX)
    chmod 0755 "$scratch"
}

# play LOG ARGS...: run ansible-playbook from the ansible directory, log
# everything, show what failed.  play_in NS LOG ARGS...: the same inside the
# network namespace NS.
play() { play_in "" "$@"; }
play_in() {
    local ns=$1 log=$2; shift 2
    local wrap=()
    [ -n "$ns" ] && wrap=(ip netns exec "$ns")
    if (cd "$adir" && timeout 300 "${wrap[@]}" ansible-playbook "$@") >"$log" 2>&1; then
        return 0
    fi
    echo "# ansible-playbook $* failed (log: $log):" >&2
    grep -E '^(fatal|failed|ERROR)|"msg"|^TASK' "$log" | grep -B1 -E '^(fatal|failed|ERROR)' |
        cut -c1-400 | tail -12 | sed 's/^/#   /' >&2
    return 1
}

# recap_sum LOG FIELD: the sum of FIELD (changed, failed, ...) over the
# PLAY RECAP lines of LOG.
recap_sum() {
    sed -n '/^PLAY RECAP/,$p' "$1" | grep -o "$2=[0-9]*" | cut -d= -f2 |
        awk '{ s += $1 } END { print s + 0 }'
}

# A second run must change nothing.
check_idempotent() {   # check_idempotent LOG WHAT
    local n
    n=$(recap_sum "$1" changed)
    if [ "$n" = 0 ] && grep -q '^PLAY RECAP' "$1" &&
        [ "$(recap_sum "$1" failed)$(recap_sum "$1" unreachable)" = 00 ]; then
        ok "$2: second run changed=0"
    else
        not_ok "$2: second run changed=$n"
        grep -B1 -A3 '^changed:' "$1" | head -30 | sed 's/^/#   /'
    fi
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds or time runs out.
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}

# rm_scratch: remove the scratch directory (VSTREAM_ANSIBLE_KEEP=1 keeps it
# for a look at the logs).
rm_scratch() {
    if [ -n "${VSTREAM_ANSIBLE_KEEP:-}" ]; then
        echo "# kept $scratch" >&2
    else
        rm -rf "$scratch"
    fi
}

# stop_bg PID: stop a background job and its children (a function run with &
# is a subshell whose children a plain kill would leave running).
stop_bg() {
    [ -n "$1" ] || return 0
    pkill -TERM -P "$1" 2>/dev/null
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}

finish() {
    [ "$failures" -eq 0 ]
}

# free_port: an unused TCP port on 127.0.0.1 (high range).
free_port() {
    $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A throwaway nginx with Debian's nginx-rtmp under PREFIX (made readable for
# the workers, which run as nobody): RTMP on RTMP_PORT, rtmp_stat on
# HTTP_PORT at /stat.  start_rtmp_nginx PREFIX RTMP_PORT HTTP_PORT
start_rtmp_nginx() {
    local prefix=$1
    mkdir -p "$prefix/logs" "$prefix/hls"
    chmod 0755 "$prefix"
    chown nobody "$prefix/hls"
    cat >"$prefix/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
worker_processes 1;
daemon on;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log info;
events { worker_connections 64; }
rtmp {
    server {
        listen 127.0.0.1:$2;
        application live { live on; }
    }
}
http {
    access_log off;
    server {
        listen 127.0.0.1:$3;
        location /stat { rtmp_stat all; }
    }
}
CONF
    nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
}

stop_nginx() {   # stop_nginx PREFIX_OR_PIDFILE
    local pidfile=$1
    [ -d "$pidfile" ] && pidfile=$1/nginx.pid
    [ -f "$pidfile" ] || return 0
    local pid
    pid=$(cat "$pidfile")
    kill -QUIT "$pid" 2>/dev/null
    wait_for 10 sh -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null
}

# frontend_scratch S: for frontend.yml runs on this machine, a copy of
# Debian's /etc/nginx under S (without our module's modules-enabled file),
# a clone of the repository (the role ships its HEAD; a clone keeps HEAD
# still while others commit; it shares the checkout's build/src,
# nginx-rtmp's source) and of the web pages (web/build.sh may rewrite them
# meanwhile).
frontend_scratch() {
    local S=$1
    mkdir -p "$S/etc"
    cp -a /etc/nginx "$S/etc/nginx"
    rm -f "$S/etc/nginx/modules-enabled/60-mod-vstream.conf"
    [ -f "$top/build/web/index.html" ] || "$top/web/build.sh" >/dev/null 2>&1
    cp -a "$top/build/web" "$S/web"
    git clone -q --shared "$top" "$S/repo" && mkdir -p "$S/repo/build" &&
        ln -s "$top/build/src" "$S/repo/build/src"
}

# frontend_inventory S NET VSTREAM HTTP_PORT HTTPS_PORT RTMP_PORT: S/inventory.yml
# for frontend.yml against this machine, the private subnet NET.0/24, every
# path under S; more host variables (10 spaces indented) on stdin.
frontend_inventory() {
    local S=$1
    {
        cat <<INV
all:
  vars:
    private_subnet_cidr: $2.0/24
    public_subnet_cidr: 10.0.1.0/24
    frontend_private_ip: 127.0.0.1
    domain_name: ""
  children:
    frontend:
      hosts:
        frontend:
          ansible_connection: local
          ansible_python_interpreter: $PY
          ansible_become: false
          ssl_dir: $S/etc/nginx/vstream/tls
          ssl_nginx_snippet: $S/etc/nginx/snippets/vstream-tls.conf
          ssl_nginx_stream_snippet: $S/etc/nginx/snippets/vstream-tls-stream.conf
          ssl_acme_webroot: $S/acme
          ssl_manage_service: false
          nginx_vstream_enabled: $3
          nginx_vstream_repo: $S/repo
          nginx_web_src: $S/web
          nginx_http_port: $4
          nginx_https_port: $5
          nginx_rtmp_port: $6
          nginx_conf_dir: $S/etc/nginx
          nginx_modules_enabled_dir: $S/etc/nginx/modules-enabled
          nginx_vstream_src_dir: $S/src
          nginx_hls_dir: $S/var/lib/vstream/hls
          nginx_log_dir: $S/log
          nginx_pid_file: $S/nginx.pid
          nginx_web_root: $S/www
          nginx_admin_token_file: $S/etc/nginx/vstream/admin.token
          nginx_ingest_secret_file: $S/etc/nginx/vstream/ingest.key
          nginx_worker_processes: 2
          nginx_manage_service: false
INV
        cat
    } >"$S/inventory.yml"
}

# frontend.yml installs make deb's packages into this machine: debs_save S
# keeps (dpkg-repack) those of ours installed before the test, and
# debs_restore, called by frontend_cleanup, purges ours and puts them back.
debs=(libnginx-mod-vstream vstreamctl)
debs_had=()
debs_saved=
apt_q() { DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=120 "$@" >/dev/null 2>&1; }
# Installing a libnginx-mod-* package triggers nginx's reload, which on a
# machine without systemd starts the system's nginx: no service starts
# while the test runs (policy-rc.d, Debian's switch for that).
debs_policy=
debs_nginx=
system_nginx() { [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; }
debs_save() {
    local p
    system_nginx && debs_nginx=running
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\n# vstream ansible test: no service starts while it runs\nexit 101\n' \
            >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d && debs_policy=1
    fi
    debs_saved=$1/saved
    for p in "${debs[@]}"; do
        dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed && debs_had+=("$p")
    done
    [ ${#debs_had[@]} -eq 0 ] && return 0
    mkdir -p "$debs_saved" && (cd "$debs_saved" && dpkg-repack "${debs_had[@]}" >/dev/null 2>&1)
}
debs_restore() {
    [ -n "$debs_saved" ] || return 0
    apt_q purge "${debs[@]}"
    [ ${#debs_had[@]} -eq 0 ] || apt_q install "$debs_saved"/*.deb ||
        echo "# could not reinstall ${debs_had[*]} from $debs_saved" >&2
    [ -z "$debs_policy" ] || rm -f /usr/sbin/policy-rc.d
    # the system's nginx as it was: stopped if the test's packages started it
    if [ -z "$debs_nginx" ] && system_nginx; then
        echo "# the system's nginx was started meanwhile; stopping it" >&2
        nginx -s quit 2>/dev/null || kill "$(cat /run/nginx.pid)" 2>/dev/null
    fi
}

# frontend_cleanup: what t_frontend.sh and t_rtmps.sh start: the publisher
# ($ff_pid), nginx under $S, the namespace $id, our packages, the scratch
# directory.
frontend_cleanup() {
    stop_bg "$ff_pid"
    stop_nginx "$S/nginx.pid"
    ip netns del "$id" 2>/dev/null
    ip link del "${id}h" 2>/dev/null
    debs_restore
    rm_scratch
}

# publisher_ns ID NET: a network namespace ID with a veth pair to this host
# (NET.1 here, NET.30 in the namespace); frontend_cleanup removes it.
publisher_ns() {
    local id=$1 net=$2
    ip netns add "$id" && ip link add "${id}h" type veth peer name "${id}n" netns "$id" &&
        ip addr add "$net.1/24" dev "${id}h" && ip link set "${id}h" up &&
        ip -n "$id" addr add "$net.30/24" dev "${id}n" && ip -n "$id" link set "${id}n" up &&
        ip -n "$id" link set lo up
}

# second_run NAME PLAYBOOK: PLAYBOOK again with $S/inventory.yml, which
# must change nothing.
second_run() {
    local t0=$SECONDS
    play "$S/run2.log" -i "$S/inventory.yml" "$2" || not_ok "$1: second run failed"
    echo "# second run: $((SECONDS - t0)) s"
    check_idempotent "$S/run2.log" "$1"
}
