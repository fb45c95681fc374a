#!/usr/bin/env bash
# The AWS flow of README.md's "Deploying on AWS" (make deploy | destroy |
# inventory).
#
#   deploy/aws.sh deploy     terraform apply, write the inventory, wait for the
#                            bastion's SSH, ansible-playbook site.yml
#   deploy/aws.sh destroy    terraform destroy
#   deploy/aws.sh inventory  write `terraform output -raw ansible_inventory`
#                            to ansible/inventory/hosts.yml (from the state)
#   deploy/aws.sh preflight  check every prerequisite of deploy, one line for
#                            each that is missing (deploy runs it first)
#   deploy/aws.sh tunnel     an SSH tunnel through the bastion to the
#                            frontend's admin API and dashboard
#
# Runs on Linux and macOS: bash 3.2 and the BSD tools are enough (no
# timeout, flock, readlink -f, sed -i, GNU options).
#
# Settings: terraform/terraform.tfvars (copy terraform.tfvars.example) or
# TF_VAR_* variables.  Environment:
#   VSTREAM_AUTO_APPROVE=1        apply/destroy without asking
#   VSTREAM_SSH_PRIVATE_KEY=PATH  the key Ansible logs in with, through an
#                                 ssh-agent of its own (default: your agent
#                                 or ssh's default keys)
#   VSTREAM_SKIP_CREDENTIALS_CHECK=1  credentials come from somewhere this
#                                 script cannot see (an EC2 instance profile)
#   VSTREAM_TF_PLUGIN_DIR         provider directory (default: /opt/tf-plugins
#                                 if it exists, else the Terraform registry)
#   VSTREAM_TUNNEL_PORT           local port of make tunnel (8443)
# Nothing here talks to AWS before the preflight has passed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tf_dir="$top/terraform"
inventory="$top/ansible/inventory/hosts.yml"
if [ -n "${VSTREAM_TF_PLUGIN_DIR+set}" ]; then
    plugin_dir=$VSTREAM_TF_PLUGIN_DIR
elif [ -d /opt/tf-plugins ]; then
    plugin_dir=/opt/tf-plugins     # an offline mirror of the provider
else
    plugin_dir=
fi
tunnel_port=${VSTREAM_TUNNEL_PORT:-8443}

die() { printf 'aws.sh: %s\n' "$*" >&2; exit 1; }
say() { printf 'aws.sh: %s\n' "$*" >&2; }

usage() { die "usage: deploy/aws.sh deploy|destroy|inventory|preflight|tunnel"; }

# The CLI config named by the environment may not exist; don't warn about it.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then
    unset TF_CLI_CONFIG_FILE
fi

# The section names of an INI file, trimmed: [ profile x ] -> "profile x".
sections() {
    sed -n 's/^[[:space:]]*\[[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*\][[:space:]]*$/\1/p' "$1" |
        tr -s ' \t' ' '
}

# Does the profile have a section in the shared credentials or config file?
profile_configured() {
    local profile=$1
    local creds=${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}
    local conf=${AWS_CONFIG_FILE:-$HOME/.aws/config}
    local header="profile $profile"
    [ "$profile" = default ] && header=default
    { [ -r "$creds" ] && sections "$creds" | grep -qxF "$profile"; } ||
        { [ -r "$conf" ] && sections "$conf" | grep -qxF "$header"; }
}

# What preflight found missing: one line each, what and how to get it.
missing=()
lack() { missing+=("$*"); }

# Credentials the AWS provider would find, judged from the environment and
# the shared files only: no request is made.
check_credentials() {
    [ "${VSTREAM_SKIP_CREDENTIALS_CHECK:-0}" = 1 ] && return 0
    if [ -n "${AWS_ACCESS_KEY_ID:-}" ] && [ -n "${AWS_SECRET_ACCESS_KEY:-}" ]; then
        return 0
    fi
    if [ -n "${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ] && [ -n "${AWS_ROLE_ARN:-}" ]; then
        return 0
    fi
    if [ -n "${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-}${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}" ]; then
        return 0
    fi
    local profile=${AWS_PROFILE:-${AWS_DEFAULT_PROFILE:-default}}
    profile_configured "$profile" && return 0
    lack "no AWS credentials configured (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run 'aws configure'; profile '$profile' not found in ~/.aws)"
}

check_settings() {
    [ -f "$tf_dir/terraform.tfvars" ] && return 0
    [ -n "${TF_VAR_ssh_public_key:-}" ] && [ -n "${TF_VAR_admin_cidr:-}" ] && return 0
    lack "no settings: copy terraform/terraform.tfvars.example to terraform/terraform.tfvars and set ssh_public_key and admin_cidr (or export TF_VAR_ssh_public_key and TF_VAR_admin_cidr)"
}

# "1.9.3" >= "1.9"?  Numeric, field by field.
version_ge() {
    local IFS=. i have want
    read -r -a have <<<"$1"
    read -r -a want <<<"$2"
    for ((i = 0; i < ${#want[@]}; i++)); do
        [ "${have[i]:-0}" -gt "${want[i]}" ] 2>/dev/null && return 0
        [ "${have[i]:-0}" -lt "${want[i]}" ] 2>/dev/null && return 1
    done
    return 0
}

check_terraform() {
    local v
    if ! command -v terraform >/dev/null; then
        lack "terraform not found: install Terraform >= 1.9 (https://developer.hashicorp.com/terraform/install; macOS: brew install hashicorp/tap/terraform)"
        return
    fi
    v=$(terraform version 2>/dev/null | sed -n '1s/^Terraform v\([0-9][0-9.]*\).*/\1/p')
    version_ge "${v:-0}" 1.9 ||
        lack "terraform ${v:-of unknown version} is too old: Terraform >= 1.9 is needed"
}

# ansible-core and the collections of ansible/requirements.yml.
check_ansible() {
    local v name
    if ! command -v ansible-playbook >/dev/null; then
        lack "ansible-playbook not found: install ansible-core >= 2.14 (Debian/Ubuntu: apt install ansible; macOS: brew install ansible; or: pipx install ansible-core)"
        return
    fi
    v=$(ansible-playbook --version 2>/dev/null | sed -n '1s/.*core \([0-9][0-9.]*\).*/\1/p')
    version_ge "${v:-0}" 2.14 ||
        lack "ansible-core ${v:-of unknown version} is too old: 2.14 or later is needed"
    for name in $(sed -n 's/^[[:space:]]*-[[:space:]]*name:[[:space:]]*\([A-Za-z0-9_.]*\).*/\1/p' \
                      "$top/ansible/requirements.yml"); do
        ansible-galaxy collection list "$name" 2>/dev/null | grep -q "^$name[[:space:]]" ||
            lack "Ansible collection $name is not installed: ansible-galaxy collection install -r ansible/requirements.yml"
    done
}

# Both hops (the bastion, then the host behind it) log in with the same key:
# from an agent, since the jump's ssh does not take ansible's --private-key.
check_ssh() {
    command -v ssh >/dev/null || { lack "ssh not found: install OpenSSH's client"; return; }
    if [ -n "${VSTREAM_SSH_PRIVATE_KEY:-}" ]; then
        [ -r "$VSTREAM_SSH_PRIVATE_KEY" ] ||
            lack "VSTREAM_SSH_PRIVATE_KEY: cannot read $VSTREAM_SSH_PRIVATE_KEY"
        command -v ssh-agent >/dev/null ||
            lack "ssh-agent not found: it holds VSTREAM_SSH_PRIVATE_KEY for both SSH hops"
        return
    fi
    ssh-add -l >/dev/null 2>&1 ||
        lack "no key in an ssh-agent: run eval \"\$(ssh-agent)\" and ssh-add ~/.ssh/YOUR_KEY (the private half of ssh_public_key), or set VSTREAM_SSH_PRIVATE_KEY=PATH"
}

# What the nginx role ships and builds: the committed tree (git archive) and
# the web pages (web/build.sh, npm).
check_build_inputs() {
    if ! command -v git >/dev/null; then
        lack "git not found: the module's source is shipped from this checkout with git archive"
    elif ! git -C "$top" rev-parse --verify -q HEAD >/dev/null 2>&1; then
        lack "$top is not a git checkout with a commit: the module's source is shipped with git archive (clone the repository)"
    fi
    command -v tar >/dev/null || lack "tar not found: the web pages are shipped as a tar archive"
    command -v npm >/dev/null ||
        lack "npm not found: it fetches hls.js for the player (Debian/Ubuntu: apt install npm; macOS: brew install node)"
}

# preflight deploy|destroy|inventory|tunnel: every check the command needs,
# then one line per missing thing.
preflight() {
    local m
    missing=()
    check_terraform
    case "$1" in
        deploy)  check_ansible; check_ssh; check_build_inputs
                 check_credentials; check_settings ;;
        destroy) check_credentials; check_settings ;;
        tunnel)  check_ssh ;;
    esac
    [ ${#missing[@]} -eq 0 ] && return 0
    for m in "${missing[@]}"; do
        say "$m"
    done
    exit 1
}

tf() { terraform -chdir="$tf_dir" "$@"; }

tf_init() {
    local args=(-input=false)
    [ -n "$plugin_dir" ] && args+=(-plugin-dir="$plugin_dir")
    tf init "${args[@]}" >/dev/null || die "terraform init failed (run: terraform -chdir=terraform init)"
}

approve=()
[ "${VSTREAM_AUTO_APPROVE:-0}" = 1 ] && approve=(-auto-approve)

write_inventory() {
    local tmp
    mkdir -p "$(dirname "$inventory")"
    tmp=$(mktemp "$inventory.XXXXXX")
    # Without a state, terraform prints a warning and exits 0: look for the
    # inventory's first line.
    if ! tf output -no-color -raw ansible_inventory >"$tmp" 2>/dev/null ||
        ! head -n 1 "$tmp" | grep -q '^# Written by terraform'; then
        rm -f "$tmp"
        die "no ansible_inventory output in the terraform state: run make deploy first"
    fi
    mv "$tmp" "$inventory"
    say "wrote ${inventory#"$top"/}"
}

# Is TCP port $2 of $1 open?  At most 5 s, without GNU timeout: the connect
# runs in the background and a watchdog kills it.
port_open() {
    local pid watchdog rc
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null &
    pid=$!
    (sleep 5; kill "$pid" 2>/dev/null) &
    watchdog=$!
    wait "$pid"
    rc=$?
    kill "$watchdog" 2>/dev/null
    wait "$watchdog" 2>/dev/null
    return $rc
}

# New instances take a minute or two to boot: wait (bounded) for the
# bastion's SSH port before Ansible needs it.
wait_for_bastion() {
    local ip deadline=$((SECONDS + 300))
    ip=$(tf output -raw bastion_public_ip)
    say "waiting for SSH on the bastion ($ip)"
    until port_open "$ip" 22; do
        [ $SECONDS -lt $deadline ] || die "the bastion ($ip) does not answer on port 22 after 300 s (is admin_cidr your address?)"
        sleep 5
    done
}

# The frontend and the streamer are reached through the bastion (ProxyJump),
# whose ssh does not inherit --private-key: hand a given key to an agent of
# our own instead, so both hops use it.
run_ansible() {
    if [ -n "${VSTREAM_SSH_PRIVATE_KEY:-}" ]; then
        [ -r "$VSTREAM_SSH_PRIVATE_KEY" ] || die "VSTREAM_SSH_PRIVATE_KEY: cannot read $VSTREAM_SSH_PRIVATE_KEY"
        eval "$(ssh-agent -s)" >/dev/null
        trap 'ssh-agent -k >/dev/null 2>&1' EXIT
        ssh-add "$VSTREAM_SSH_PRIVATE_KEY" || die "ssh-add $VSTREAM_SSH_PRIVATE_KEY failed"
    fi
    (cd "$top/ansible" && ansible-playbook -i inventory/hosts.yml site.yml)
}

# make tunnel: the frontend's port 443 on this machine, through the bastion
# (ProxyJump), bound to loopback.  The admin API answers requests from the
# frontend's own loopback address, which is where the tunnel delivers them.
tunnel() {
    local bastion frontend user=admin token=/etc/nginx/vstream/admin.token
    bastion=$(tf output -raw bastion_public_ip 2>/dev/null) ||
        die "no bastion_public_ip in the terraform state: run make deploy first"
    frontend=$(tf output -raw frontend_private_ip 2>/dev/null) ||
        die "no frontend_private_ip in the terraform state: run make deploy first"
    cat >&2 <<EOF
aws.sh: tunnel to the frontend ($frontend) through the bastion ($bastion); Ctrl-C closes it
  dashboard:  https://127.0.0.1:$tunnel_port/dashboard/
  player:     https://127.0.0.1:$tunnel_port/
  admin API:  https://127.0.0.1:$tunnel_port/vstream/status
  metrics:    https://127.0.0.1:$tunnel_port/vstream/metrics
  the admin token is on the frontend, $token (root, 0600); read it with
    ssh -J $user@$bastion $user@$frontend sudo cat $token
  then: vstreamctl status --url https://127.0.0.1:$tunnel_port/vstream --insecure --token-file FILE
  (the certificate is the frontend's own: self-signed unless domain_name is set)
EOF
    exec ssh -N -o ExitOnForwardFailure=yes -o ServerAliveInterval=30 \
        -o "ProxyJump=$user@$bastion" \
        -L "127.0.0.1:$tunnel_port:127.0.0.1:443" "$user@$frontend"
}

[ $# -eq 1 ] || usage
case "$1" in
    preflight)
        preflight deploy
        say "preflight: every prerequisite of make deploy is here"
        ;;
    deploy)
        preflight deploy
        "$top/web/build.sh"
        tf_init
        tf apply -input=false ${approve[@]+"${approve[@]}"}
        write_inventory
        wait_for_bastion
        run_ansible
        say "deployed: $(tf output -raw frontend_url)"
        ;;
    destroy)
        preflight destroy
        tf_init
        tf destroy -input=false ${approve[@]+"${approve[@]}"}
        rm -f "$inventory" "$(dirname "$inventory")/known_hosts"
        ;;
    inventory)
        preflight inventory
        tf_init
        write_inventory
        ;;
    tunnel)
        preflight tunnel
        tf_init
        tunnel
        ;;
    *) usage ;;
esac
