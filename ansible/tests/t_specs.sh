#!/usr/bin/env bash
# Argument specs and input checks: each role, given bad input, fails before
# changing anything, with a message naming the variable.  One play, one
# local "host" per case, so the cases run side by side.
. "$(dirname "$0")/lib.sh"

mk_scratch
trap rm_scratch EXIT

# name|role|host variables (YAML flow, no braces)|expected message (grep -E)
cases=(
  "nat-no-cidr|nat||missing required arguments: nat_private_subnet_cidr"
  "nat-bad-cidr|nat|nat_private_subnet_cidr: 10.0.2.0/33, nat_egress_interface: eth0|nat_private_subnet_cidr must be an IPv4 CIDR"
  "nginx-no-allow|nginx||missing required arguments: nginx_ingest_allow"
  "nginx-bad-allow|nginx|nginx_ingest_allow: [10.0.2.0]|nginx_ingest_allow must list IPv4/IPv6 CIDRs"
  "nginx-port-word|nginx|nginx_ingest_allow: [10.0.2.0/24], nginx_https_port: https|nginx_https_port.*unable to convert to int"
  "nginx-port-range|nginx|nginx_ingest_allow: [10.0.2.0/24], nginx_rtmp_port: 70000|nginx_rtmp_port must be a port number, 1-65535; got 70000"
  "nginx-hls-tmp|nginx|nginx_ingest_allow: [10.0.2.0/24], nginx_hls_dir: /tmp/hls|nginx_hls_dir an absolute path outside /tmp"
  "nginx-rtmps-allow|nginx|nginx_ingest_allow: [10.0.2.0/24], nginx_rtmps_allow: [anywhere]|nginx_rtmps_allow must list CIDRs"
  "nginx-rtmps-port|nginx|nginx_ingest_allow: [10.0.2.0/24], nginx_rtmps_port: 0|nginx_rtmps_port must be a port number, 1-65535; got 0"
  "streamer-no-host|streamer||missing required arguments: streamer_rtmp_host"
  "streamer-no-secret-host|streamer|streamer_rtmp_host: 10.0.1.10|signed keys need streamer_ingest_secret_host"
  "streamer-bad-ttl|streamer|streamer_rtmp_host: 10.0.1.10, streamer_ingest_secret_host: fe, streamer_key_ttl: 5|streamer_key_ttl of 60 to 86400 s \\(got 5\\)"
  "streamer-bad-port|streamer|streamer_rtmp_host: 10.0.1.10, streamer_rtmp_port: 0|streamer_rtmp_port=0 \\(1-65535\\)"
  "ssl-bad-domain|ssl|ssl_domain: 'not a domain'|ssl_domain 'not a domain' is not a DNS name"
  "nat-on-ubuntu|nat|platform_distribution: Ubuntu, platform_major_version: '22'|support Debian 12 \\(bookworm\\) only; nat-on-ubuntu runs Ubuntu 22\"}$"
  "nginx-on-debian11|nginx|platform_major_version: '11'|support Debian 12 \\(bookworm\\) only; nginx-on-debian11 runs Debian 11\"}$"
  "ssl-on-rhel|ssl|platform_distribution: RedHat, platform_major_version: '9'|support Debian 12 \\(bookworm\\) only; ssl-on-rhel runs RedHat 9\"}$"
  "streamer-on-ubuntu|streamer|platform_distribution: Ubuntu, platform_major_version: '24'|support Debian 12 \\(bookworm\\) only; streamer-on-ubuntu runs Ubuntu 24\"}$"
)

{
    echo "all:"
    echo "  vars: {ansible_connection: local, ansible_python_interpreter: $PY}"
    echo "  hosts:"
    for c in "${cases[@]}"; do
        IFS='|' read -r name role vars _ <<<"$c"
        echo "    $name: {spec_role: $role${vars:+, $vars}}"
    done
} >"$scratch/inventory.yml"
cat >"$scratch/specs.yml" <<'PLAY'
- name: Bad input for each role
  hosts: all
  gather_facts: false
  tasks:
    - name: Run the role
      ansible.builtin.include_role:
        name: "{{ spec_role }}"
PLAY

ANSIBLE_ROLES_PATH=$adir/roles play "$scratch/run.log" -i "$scratch/inventory.yml" -f 10 "$scratch/specs.yml" 2>/dev/null
check "specs: no bad input changed anything" test "$(recap_sum "$scratch/run.log" changed)" = 0
for c in "${cases[@]}"; do
    IFS='|' read -r name role vars want <<<"$c"
    msg=$(grep -E "^(fatal|failed): \[$name\]" "$scratch/run.log")
    if grep -qE "$want" <<<"$msg"; then
        ok "specs: $role refuses ${vars:-no input} ($name)"
    else
        not_ok "specs: $role refuses ${vars:-no input} ($name): wanted /$want/, got: ${msg:-no failure}" 
    fi
done

finish
