#!/usr/bin/env bash
# The AWS flow of README.md's "Deploying on AWS" (make deploy | destroy |
# inventory).
#
#   deploy/aws.sh deploy     terraform apply, write the inventory, wait for the
#                            bastion's SSH, ansible-playbook site.yml
#   deploy/aws.sh destroy    terraform destroy
#   deploy/aws.sh inventory  write `terraform output -raw ansible_inventory`
#                            to ansible/inventory/hosts.yml (from the state)
#
# Settings: terraform/terraform.tfvars (copy terraform.tfvars.example) or
# TF_VAR_* variables.  Environment:
#   VSTREAM_AUTO_APPROVE=1        apply/destroy without asking
#   VSTREAM_SSH_PRIVATE_KEY=PATH  the key Ansible logs in with, through an
#                                 ssh-agent of its own (default: your agent
#                                 or ssh's default keys)
#   VSTREAM_SKIP_CREDENTIALS_CHECK=1  credentials come from somewhere this
#                                 script cannot see (an EC2 instance profile)
#   VSTREAM_TF_PLUGIN_DIR         provider directory (default /opt/tf-plugins;
#                                 empty: download from the registry)
# Nothing here talks to AWS before the credentials check has passed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tf_dir="$top/terraform"
inventory="$top/ansible/inventory/hosts.yml"
plugin_dir=${VSTREAM_TF_PLUGIN_DIR-/opt/tf-plugins}

die() { printf 'aws.sh: %s\n' "$*" >&2; exit 1; }
say() { printf 'aws.sh: %s\n' "$*" >&2; }

usage() { die "usage: deploy/aws.sh deploy|destroy|inventory"; }

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
    die "no AWS credentials configured (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run 'aws configure'; profile '$profile' not found in ~/.aws)"
}

check_settings() {
    [ -f "$tf_dir/terraform.tfvars" ] && return 0
    [ -n "${TF_VAR_ssh_public_key:-}" ] && [ -n "${TF_VAR_admin_cidr:-}" ] && return 0
    die "no settings: copy terraform/terraform.tfvars.example to terraform/terraform.tfvars and set ssh_public_key and admin_cidr (or export TF_VAR_ssh_public_key and TF_VAR_admin_cidr)"
}

tf() { terraform -chdir="$tf_dir" "$@"; }

tf_init() {
    command -v terraform >/dev/null || die "terraform is not installed"
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

# New instances take a minute or two to boot: wait (bounded) for the
# bastion's SSH port before Ansible needs it.
wait_for_bastion() {
    local ip deadline=$((SECONDS + 300))
    ip=$(tf output -raw bastion_public_ip)
    say "waiting for SSH on the bastion ($ip)"
    until timeout 5 bash -c "exec 3<>/dev/tcp/$ip/22" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || die "the bastion ($ip) does not answer on port 22 after 300 s (is admin_cidr your address?)"
        sleep 5
    done
}

# The frontend and the streamer are reached through the bastion (ProxyJump),
# whose ssh does not inherit --private-key: hand a given key to an agent of
# our own instead, so both hops use it.
run_ansible() {
    command -v ansible-playbook >/dev/null || die "ansible-playbook is not installed (deploy/deps.sh ansible)"
    if [ -n "${VSTREAM_SSH_PRIVATE_KEY:-}" ]; then
        [ -r "$VSTREAM_SSH_PRIVATE_KEY" ] || die "VSTREAM_SSH_PRIVATE_KEY: cannot read $VSTREAM_SSH_PRIVATE_KEY"
        eval "$(ssh-agent -s)" >/dev/null
        trap 'ssh-agent -k >/dev/null 2>&1' EXIT
        ssh-add "$VSTREAM_SSH_PRIVATE_KEY" || die "ssh-add $VSTREAM_SSH_PRIVATE_KEY failed"
    fi
    (cd "$top/ansible" && ansible-playbook -i inventory/hosts.yml site.yml)
}

[ $# -eq 1 ] || usage
case "$1" in
    deploy)
        check_credentials
        check_settings
        tf_init
        tf apply -input=false "${approve[@]}"
        write_inventory
        wait_for_bastion
        run_ansible
        say "deployed: $(tf output -raw frontend_url)"
        ;;
    destroy)
        check_credentials
        check_settings
        tf_init
        tf destroy -input=false "${approve[@]}"
        rm -f "$inventory"
        ;;
    inventory)
        tf_init
        write_inventory
        ;;
    *) usage ;;
esac
