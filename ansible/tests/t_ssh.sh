#!/usr/bin/env bash
# SSH through the bastion, as make deploy does it: the inventory rendered by
# terraform/modules/inventory (terraform apply of a scratch root with only
# that module), real sshd servers in network namespaces (a "bastion" the
# controller reaches, a "frontend" only the bastion reaches), and ansible
# pinging every host through the jump with an empty known_hosts.
#   - first run: both hops accept the new host keys (accept-new), kept in
#     inventory/known_hosts under the instance ids, ~/.ssh untouched;
#   - the bastion replaced behind the same address (a new instance id and
#     host key): the next run works;
#   - the same instance with another key: refused (a changed key is never
#     accepted).
. "$(dirname "$0")/lib.sh"

# the CLI config named by the environment may not exist
[ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ] && unset TF_CLI_CONFIG_FILE
id=vss$$
nsb=$id-b nsf=$id-f
mk_scratch
S=$scratch
pids=()

cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    [ -n "${SSH_AGENT_PID:-}" ] && ssh-agent -k >/dev/null 2>&1
    ip netns del $nsb 2>/dev/null; ip netns del $nsf 2>/dev/null
    ip link del ${id}h 2>/dev/null
    rm_scratch
}
trap cleanup EXIT

command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] ||
    { not_ok "ssh: no sshd (deploy/deps.sh ansible installs openssh-server)"; finish; exit 1; }
command -v terraform >/dev/null || { not_ok "ssh: terraform is not installed"; finish; exit 1; }

# host -- bastion (10.200.132.2) -- frontend (10.200.133.2, behind it only)
ip netns add $nsb && ip netns add $nsf || { not_ok "ssh: create namespaces"; exit 1; }
ip link add ${id}h type veth peer name ${id}b netns $nsb
ip link add ${id}c netns $nsb type veth peer name ${id}f netns $nsf
ip addr add 10.200.132.1/24 dev ${id}h && ip link set ${id}h up
ip -n $nsb addr add 10.200.132.2/24 dev ${id}b
ip -n $nsb addr add 10.200.133.1/24 dev ${id}c
ip -n $nsf addr add 10.200.133.2/24 dev ${id}f
for ns in $nsb $nsf; do ip -n $ns link set lo up; done
ip -n $nsb link set ${id}b up; ip -n $nsb link set ${id}c up; ip -n $nsf link set ${id}f up

# the controller's key, in an agent of its own (as make deploy does)
ssh-keygen -q -t ed25519 -N '' -f "$S/id" || { not_ok "ssh: ssh-keygen"; exit 1; }
eval "$(ssh-agent -s)" >/dev/null && ssh-add -q "$S/id" 2>/dev/null ||
    { not_ok "ssh: ssh-agent"; exit 1; }
cp "$S/id.pub" "$S/authorized_keys" && chmod 0600 "$S/authorized_keys"

# sshd NAME NS ADDR: a server for root with a fresh host key S/NAME.key
sshd_start() {
    local name=$1 ns=$2 addr=$3
    rm -f "$S/$name.key" "$S/$name.key.pub"
    ssh-keygen -q -t ed25519 -N '' -f "$S/$name.key"
    cat >"$S/$name.conf" <<CONF
ListenAddress $addr
Port 22
HostKey $S/$name.key
PidFile $S/$name.pid
AuthorizedKeysFile $S/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
CONF
    ip netns exec "$ns" /usr/sbin/sshd -D -e -f "$S/$name.conf" 2>>"$S/$name.log" &
    pids+=($!)
    eval "${name}_pid=$!"
    wait_for 10 sh -c "ip netns exec $ns ss -ltn | grep -q '$addr:22 '"
}
mkdir -p /run/sshd
sshd_start bastion $nsb 10.200.132.2 || { not_ok "ssh: sshd in the bastion namespace"; exit 1; }
sshd_start frontend $nsf 10.200.133.2 || { not_ok "ssh: sshd in the frontend namespace"; exit 1; }

# render BASTION_ID: S/inventory/hosts.yml from the inventory module
mkdir -p "$S/tf" "$S/inventory"
render() {
    cat >"$S/tf/main.tf" <<TF
module "inventory" {
  source              = "$adir/../terraform/modules/inventory"
  ansible_user        = "root"
  frontends           = [{ id = "i-frontend", public_ip = "198.51.100.10", private_ip = "10.200.133.2" }]
  bastion             = { id = "$1", public_ip = "10.200.132.2", private_ip = "10.200.133.1" }
  streamer            = { id = "i-streamer", private_ip = "10.200.133.2" }
  public_subnet_cidr  = "10.200.132.0/24"
  private_subnet_cidr = "10.200.133.0/24"
}
output "yaml" { value = module.inventory.yaml }
TF
    (cd "$S/tf" && terraform init -input=false -backend=false >/dev/null 2>&1 &&
        terraform apply -input=false -auto-approve -state="$S/tf/state" >/dev/null 2>&1 &&
        terraform output -state="$S/tf/state" -raw yaml) >"$S/inventory/hosts.yml"
}

# ping LOG: every host of the inventory through ansible's ssh, each run
# with connections of its own (no ControlPersist master left from the last)
ping_all() {
    (cd "$adir" && ANSIBLE_SSH_ARGS='-C -o ControlMaster=no' timeout 120 ansible -i "$S/inventory/hosts.yml" 'bastion,frontend,streamer' \
        -m ansible.builtin.ping -e ansible_python_interpreter=$PY) >"$1" 2>&1
}

home_before=$(cat ~/.ssh/known_hosts 2>/dev/null | md5sum)

render i-bastion || { not_ok "ssh: render the inventory with terraform"; exit 1; }
check "ssh: the inventory jumps with a ProxyCommand and keeps keys in inventory/known_hosts" \
    $PY -c '
import sys, yaml
hosts = yaml.safe_load(open(sys.argv[1]))["all"]["children"]["frontend"]["hosts"]
a = hosts["frontend"]["ansible_ssh_common_args"]
assert "ProxyCommand=\"ssh " in a and "HostKeyAlias=i-bastion -W %h:%p root@10.200.132.2\"" in a, a
assert "UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-frontend" in a, a
' "$S/inventory/hosts.yml"
if ping_all "$S/ping1.log"; then
    ok "ssh: first run: every host answers through the bastion, new keys accepted on both hops"
else
    not_ok "ssh: first run through the bastion failed: $(grep -m2 -E 'UNREACHABLE|msg' "$S/ping1.log" | cut -c1-300)"
fi
for alias in i-bastion i-frontend i-streamer; do
    check "ssh: known_hosts holds $alias's key" \
        sh -c "ssh-keygen -F '$alias' -f '$S/inventory/known_hosts' >/dev/null"
done
check "ssh: ~/.ssh/known_hosts is untouched" \
    test "$(cat ~/.ssh/known_hosts 2>/dev/null | md5sum)" = "$home_before"

# sshd_stop NAME: the server and the sessions it forked
sshd_stop() {
    local pid
    eval "pid=\$${1}_pid"
    pkill -P "$pid" 2>/dev/null
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# the bastion replaced behind the same address: a new instance, a new key
sshd_stop bastion
sshd_start bastion $nsb 10.200.132.2 || not_ok "ssh: restart the bastion's sshd"
render i-bastion2 || not_ok "ssh: render the inventory for the new bastion"
if ping_all "$S/ping2.log"; then
    ok "ssh: a bastion replaced behind the same address: the next run works"
else
    not_ok "ssh: a replaced bastion broke the run: $(grep -m2 -E 'UNREACHABLE|msg' "$S/ping2.log" | cut -c1-300)"
fi

# the same instance, another key: refused
sshd_stop bastion
sshd_start bastion $nsb 10.200.132.2 || not_ok "ssh: restart the bastion's sshd"
if ping_all "$S/ping3.log"; then
    not_ok "ssh: a changed host key of the same instance was accepted"
else
    check "ssh: a changed host key of the same instance is refused" \
        grep -qiE 'host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED' "$S/ping3.log"
fi

finish
