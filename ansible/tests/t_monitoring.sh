#!/usr/bin/env bash
# monitoring role: monitoring.yml against this machine (connection: local),
# every path under a scratch directory, two frontends standing in on
# 127.0.0.1 and 127.0.0.2 (one nginx with the module, HTTPS, a token and a
# self-signed certificate each).  Checks what was rendered with promtool and
# amtool, runs the rules' unit tests (promtool test rules), the tokens'
# owner and mode, EC2 discovery rendering, the refusal of a non-Debian-12
# target, a second run changing nothing, then starts Prometheus as the
# prometheus user with the rendered configuration and sees both frontends
# scraped and the rules evaluated.
. "$(dirname "$0")/lib.sh"

mk_scratch
S=$scratch
prom_pid=
cleanup() {
    stop_bg "$prom_pid"
    stop_nginx "$S/nginx"
    rm_scratch
}
trap cleanup EXIT

rules=$adir/roles/monitoring/files/rules
check "monitoring: promtool check rules accepts the role's rules" \
    sh -c "promtool check rules '$rules/vstream.rules.yml' >/dev/null"
out=$(cd "$rules" && promtool test rules vstream.rules.test.yml 2>&1)
check "monitoring: promtool test rules passes the rules' unit tests" grep -q SUCCESS <<<"$out"
grep -q SUCCESS <<<"$out" || sed 's/^/#   /' <<<"$out" | head -30

https_port=$(free_port); rtmp_port=$(free_port)
prom_port=$(free_port); am_port=$(free_port)
module=$top/build/ngx_vstream_module.so

# The frontends' files, where the nginx and ssl roles would put them.
for fe in fe1 fe2; do
    mkdir -p "$S/$fe/tls"
    (umask 077; openssl rand -hex 32 >"$S/$fe/admin.token")
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=frontend -addext subjectAltName=IP:127.0.0.1,IP:127.0.0.2 \
    -keyout "$S/fe1/tls/selfsigned.key" -out "$S/fe1/tls/selfsigned.crt" 2>/dev/null ||
    not_ok "monitoring: make the frontends' certificate"
cp "$S/fe1/tls/selfsigned.crt" "$S/fe1/tls/selfsigned.key" "$S/fe2/tls/"
mkdir -p "$S/etc/prometheus" "$S/etc/default"

cat >"$S/inventory.yml" <<INV
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $PY
    ansible_become: false
  children:
    monitoring:
      hosts:
        mon:
          monitoring_config_dir: $S/etc/prometheus
          monitoring_default_dir: $S/etc/default
          monitoring_frontend_port: $https_port
          monitoring_listen_address: 127.0.0.1:$prom_port
          monitoring_alertmanager_listen_address: 127.0.0.1:$am_port
          monitoring_scrape_interval: 1s
          monitoring_scrape_timeout: 1s
          monitoring_evaluation_interval: 1s
          monitoring_alert_webhook_url: http://127.0.0.1:9/alerts
          monitoring_manage_service: false
    frontend:
      hosts:
        fe1: {private_ip: 127.0.0.1, nginx_admin_token_file: $S/fe1/admin.token, ssl_dir: $S/fe1/tls}
        fe2: {private_ip: 127.0.0.2, nginx_admin_token_file: $S/fe2/admin.token, ssl_dir: $S/fe2/tls}
INV

t0=$SECONDS
if ! play "$S/run1.log" -i "$S/inventory.yml" monitoring.yml; then
    not_ok "monitoring: monitoring.yml runs"
    exit 1
fi
ok "monitoring: monitoring.yml runs in $((SECONDS - t0)) s"

conf=$S/etc/prometheus/prometheus.yml
tokens=$S/etc/prometheus/vstream
check "monitoring: promtool check config accepts the rendered prometheus.yml" \
    sh -c "promtool check config '$conf' >/dev/null"
check "monitoring: amtool check-config accepts the rendered alertmanager.yml" \
    sh -c "amtool check-config '$S/etc/prometheus/alertmanager.yml' >/dev/null"
check "monitoring: alerts go to the webhook" \
    grep -q 'url: "http://127.0.0.1:9/alerts"' "$S/etc/prometheus/alertmanager.yml"
check "monitoring: the rules are installed" \
    cmp -s "$rules/vstream.rules.yml" "$S/etc/prometheus/rules/vstream.rules.yml"
for fe in fe1 fe2; do
    check "monitoring: $fe's token is prometheus', mode 0600, the frontend's own" \
        test "$(stat -c '%U %a' "$tokens/$fe.token")" = "prometheus 600" -a \
             "$(cat "$tokens/$fe.token")" = "$(cat "$S/$fe/admin.token")"
done
check "monitoring: the token directory is prometheus' alone (0700)" \
    test "$(stat -c '%U %a' "$tokens")" = "prometheus 700"
check "monitoring: two tokens, two scrape configurations (vstream, vstream-2)" \
    test "$(grep -cE '^  - job_name: vstream(-2)?$' "$conf")" = 2
check "monitoring: TLS checked against the frontends' certificates, never skipped" \
    test "$(grep -c "ca_file: \"$tokens/frontends-ca.pem\"" "$conf")" = 2 -a \
         "$(grep -c 'insecure_skip_verify: false' "$conf")" = 2 -a \
         -z "$(grep 'insecure_skip_verify: true' "$conf")"
check "monitoring: Prometheus listens on the given address" \
    grep -q -- "--web.listen-address=127.0.0.1:$prom_port" "$S/etc/default/prometheus"

play "$S/run2.log" -i "$S/inventory.yml" monitoring.yml || not_ok "monitoring: second run failed"
check_idempotent "$S/run2.log" monitoring

# EC2 discovery: rendered for the region and tags, checked by promtool
# (which does not call AWS).  Two tokens: a discovery for each, limited to
# its frontend's address; one token on both: one discovery of every tagged
# frontend.
ec2() {   # ec2 DIR EXTRA-VARS...
    local dir=$1; shift
    mkdir -p "$dir/etc/default"
    play "$dir.log" -i "$S/inventory.yml" monitoring.yml \
        -e "monitoring_config_dir=$dir monitoring_default_dir=$dir/etc/default" \
        -e monitoring_discovery=ec2 -e monitoring_ec2_region=eu-west-1 \
        -e '{"monitoring_ec2_tag_filters": {"Role": "frontend", "Project": "vstream"}}' "$@" ||
        not_ok "monitoring: the ec2 run failed ($dir)"
    check "monitoring: promtool check config accepts the ec2 rendering ($(basename "$dir"))" \
        sh -c "promtool check config '$dir/prometheus.yml' >/dev/null"
}
ec2 "$S/ec2"
check "monitoring: ec2_sd_configs in the region, by tags, relabelled to the private IP, one per token" \
    test "$(grep -c 'region: "eu-west-1"' "$S/ec2/prometheus.yml")" = 2 -a \
         "$(grep -c 'name: "tag:Project"' "$S/ec2/prometheus.yml")" = 2 -a \
         "$(grep -c "replacement: '\${1}:$https_port'" "$S/ec2/prometheus.yml")" = 2 -a \
         "$(grep -A1 'name: private-ip-address' "$S/ec2/prometheus.yml" | grep -c 'values: \["127.0.0.[12]"\]')" = 2
one=$(printf '{"name": "%s", "address": "%s", "token_file": "%s", "cert_file": "%s"}' \
    fe1 127.0.0.1 "$S/fe1/admin.token" "$S/fe1/tls/selfsigned.crt")
two=$(printf '{"name": "%s", "address": "%s", "token_file": "%s", "cert_file": "%s"}' \
    fe2 127.0.0.2 "$S/fe1/admin.token" "$S/fe2/tls/selfsigned.crt")
ec2 "$S/ec2-shared" -e "{\"monitoring_frontends\": [$one, $two]}"
check "monitoring: one token on every frontend: one ec2 discovery of all, no address filter" \
    test "$(grep -c 'job_name: vstream' "$S/ec2-shared/prometheus.yml")" = 1 -a \
         "$(grep -c 'region: "eu-west-1"' "$S/ec2-shared/prometheus.yml")" = 1 -a \
         -z "$(grep private-ip-address "$S/ec2-shared/prometheus.yml")"

# Not Debian 12: one line, nothing changed.
if play "$S/ubuntu.log" -i "$S/inventory.yml" monitoring.yml \
    -e platform_distribution=Ubuntu -e platform_major_version=22 2>/dev/null; then
    not_ok "monitoring: an Ubuntu target is refused"
else
    check "monitoring: an Ubuntu target is refused with one line, nothing changed" \
        test "$(grep -c 'support Debian 12 (bookworm) only; mon runs Ubuntu 22' "$S/ubuntu.log")" -ge 1 -a \
             "$(recap_sum "$S/ubuntu.log" changed)" = 0
fi

# Bad input: refused before anything changes, naming the variable.
refused() {   # refused WHAT PATTERN EXTRA-VARS...
    local what=$1 want=$2 log=$S/bad-$RANDOM.log; shift 2
    if play "$log" -i "$S/inventory.yml" monitoring.yml "$@" 2>/dev/null; then
        not_ok "monitoring: $what is refused"
    else
        check "monitoring: $what is refused, nothing changed" \
            test -n "$(grep -E "^fatal: .*$want" "$log")" -a "$(recap_sum "$log" changed)" = 0
    fi
}
refused "an unknown discovery" 'monitoring_discovery.*one of.*static, ec2' -e monitoring_discovery=consul
refused "ec2 without a region" 'monitoring_discovery=ec2 needs monitoring_ec2_region' -e monitoring_discovery=ec2
refused "a webhook that is no URL" 'monitoring_alert_webhook_url an http' -e monitoring_alert_webhook_url=nowhere
refused "no frontend" 'monitoring_frontends must list at least one frontend' -e monitoring_frontend_group=none

# The frontends: one nginx with the module, each "host" its own address
# and token.
mkdir -p "$S/nginx/logs"
chmod 0755 "$S/nginx"
cat >"$S/nginx/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
load_module $module;
worker_processes 1;
daemon on;
pid $S/nginx/nginx.pid;
error_log $S/nginx/logs/error.log info;
events { worker_connections 64; }
vstream_zone 1m;
rtmp {
    server {
        listen 127.0.0.1:$rtmp_port;
        application live { live on; }
    }
}
http {
    access_log off;
    server {
        listen 127.0.0.1:$https_port ssl;
        ssl_certificate $S/fe1/tls/selfsigned.crt;
        ssl_certificate_key $S/fe1/tls/selfsigned.key;
        location /vstream/ { vstream_admin; vstream_admin_token_file $S/fe1/admin.token; }
    }
    server {
        listen 127.0.0.2:$https_port ssl;
        ssl_certificate $S/fe2/tls/selfsigned.crt;
        ssl_certificate_key $S/fe2/tls/selfsigned.key;
        location /vstream/ { vstream_admin; vstream_admin_token_file $S/fe2/admin.token; }
    }
}
CONF
if [ ! -f "$module" ]; then
    skip "monitoring: build/ngx_vstream_module.so not built ('make module'): no live scrape"
    finish; exit
fi
nginx -p "$S/nginx" -c "$S/nginx/nginx.conf" -e "$S/nginx/logs/error.log" ||
    not_ok "monitoring: start the frontends' nginx"

mkdir -p "$S/data"
chown prometheus "$S/data"
runuser -u prometheus -- prometheus --config.file="$conf" --storage.tsdb.path="$S/data" \
    --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$S/prometheus.log" 2>&1 &
prom_pid=$!

# query PROMQL: "labels value" lines of an instant query
query() {
    curl -sf --max-time 5 "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
        $PY -c 'import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    m = r["metric"]
    print(m.get("frontend", m.get("job", "")), r["value"][1])' 2>/dev/null
}
both_up() { [ "$(query 'up{job="vstream"}' | sort | tr '\n' ' ')" = "fe1 1 fe2 1 " ]; }
check "monitoring: Prometheus, as the prometheus user, scrapes both frontends with their tokens over TLS" \
    wait_for 30 both_up
both_up || { query 'up' | sed 's/^/#   up: /'; tail -5 "$S/prometheus.log" | sed 's/^/#   /'; }
streams_zero() { [ "$(query 'job:vstream_streams:sum')" = "vstream 0" ]; }
check "monitoring: the rules are evaluated (job:vstream_streams:sum is 0)" wait_for 15 streams_zero
check "monitoring: Prometheus logged no error" test -z "$(grep 'level=error' "$S/prometheus.log")"

finish
