#!/usr/bin/env bash
# ssl role with a domain whose certificate certbot already issued: the role
# must point nginx at it, add HSTS, install the renewal deploy hook, and NOT
# run certbot again (certbot is not even installed here: running it fails).
. "$(dirname "$0")/lib.sh"

mk_scratch
S=$scratch
trap rm_scratch EXIT
export ANSIBLE_ROLES_PATH=$adir/roles
domain=vstream.example.org
live=$S/letsencrypt/live/$domain
mkdir -p "$live"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$domain" -keyout "$live/privkey.pem" -out "$live/fullchain.pem" 2>/dev/null

cat >"$S/inventory.yml" <<INV
all:
  hosts:
    frontend:
      ansible_connection: local
      ansible_python_interpreter: $PY
      ansible_become: false
      ssl_domain: $domain
      ssl_letsencrypt_dir: $S/letsencrypt
      ssl_dir: $S/tls
      ssl_nginx_snippet: $S/snippets/vstream-tls.conf
      ssl_nginx_stream_snippet: $S/snippets/vstream-tls-stream.conf
      ssl_acme_webroot: $S/acme
      ssl_install_packages: false
      ssl_manage_service: false
INV
# The ssl part of frontend.yml: the role, then its certbot entry point.
cat >"$S/ssl.yml" <<'PLAY'
- name: TLS with a domain
  hosts: frontend
  gather_facts: false
  roles:
    - role: ssl
  post_tasks:
    - name: Obtain the Let's Encrypt certificate
      ansible.builtin.include_role:
        name: ssl
        tasks_from: certbot
PLAY

snippet=$S/snippets/vstream-tls.conf
check "ssl-domain: the role runs with an issued certificate" \
    play "$S/run1.log" -i "$S/inventory.yml" "$S/ssl.yml"
check "ssl-domain: certbot was not run again" \
    sh -c "grep -A2 'TASK \[ssl : Obtain the certificate\]' '$S/run1.log' | grep -q '^ok:'"
check "ssl-domain: nginx uses the Let's Encrypt certificate" \
    grep -qx "ssl_certificate $live/fullchain.pem;" "$snippet"
check "ssl-domain: HSTS is sent with a real certificate" \
    grep -q 'Strict-Transport-Security "max-age=63072000" always' "$snippet"
check "ssl-domain: the stream snippet (RTMPS) uses it too, without HSTS" \
    sh -c "grep -qx 'ssl_certificate $live/fullchain.pem;' '$S/snippets/vstream-tls-stream.conf' &&
           ! grep -q Strict-Transport-Security '$S/snippets/vstream-tls-stream.conf'"
check "ssl-domain: no self-signed placeholder was made" test ! -e "$S/tls/selfsigned.key"
check "ssl-domain: the renewal deploy hook reloads nginx after nginx -t" \
    sh -c "test -x '$S/letsencrypt/renewal-hooks/deploy/vstream-reload-nginx' &&
           grep -q 'nginx -t -q && systemctl reload nginx' '$S/letsencrypt/renewal-hooks/deploy/vstream-reload-nginx'"
mkdir -p "$S/logs"
cat >"$S/nginx.conf" <<CONF
$( [ -f /usr/lib/nginx/modules/ngx_stream_module.so ] &&
   echo "load_module /usr/lib/nginx/modules/ngx_stream_module.so;" )
pid $S/nginx.pid;
error_log $S/logs/error.log;
events {}
$( [ -f /usr/lib/nginx/modules/ngx_stream_module.so ] &&
   echo "stream { server { listen 127.0.0.1:$(free_port) ssl; include $S/snippets/vstream-tls-stream.conf; proxy_pass 127.0.0.1:1; } }" )
http {
    server {
        listen 127.0.0.1:$(free_port) ssl;
        include $snippet;
    }
}
CONF
check "ssl-domain: nginx -t accepts the snippets (http, and stream when the module is installed)" nginx -t -q -c "$S/nginx.conf" -e "$S/logs/error.log"

play "$S/run2.log" -i "$S/inventory.yml" "$S/ssl.yml" ||
    not_ok "ssl-domain: second run failed"
check_idempotent "$S/run2.log" ssl-domain

finish
