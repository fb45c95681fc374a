#!/usr/bin/env bash
# nat role: run bastion.yml inside a "bastion" network namespace between a
# "private" host (10.0.2.0/24) and an "outside" host; the private host then
# reaches the outside through the bastion, seen with the bastion's address,
# and nothing else is forwarded.  The persisted file restores the rules.
. "$(dirname "$0")/lib.sh"

id=vsa$$
nsp=$id-p nsb=$id-b nso=$id-o
mk_scratch
server_pid=

cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
    for ns in $nsp $nsb $nso; do ip netns del "$ns" 2>/dev/null; done
    rm_scratch
}
trap cleanup EXIT

ip netns add $nsp && ip netns add $nsb && ip netns add $nso || { not_ok "nat: create namespaces"; exit 1; }
ip link add ${id}p netns $nsp type veth peer name ${id}b netns $nsb
ip link add ${id}c netns $nsb type veth peer name ${id}o netns $nso
ip -n $nsp addr add 10.0.2.30/24 dev ${id}p
ip -n $nsb addr add 10.0.2.1/24 dev ${id}b
ip -n $nsb addr add 198.51.100.1/24 dev ${id}c
ip -n $nso addr add 198.51.100.254/24 dev ${id}o
ip -n $nso addr add 203.0.113.99/32 dev lo
for ns in $nsp $nsb $nso; do ip -n $ns link set lo up; done
ip -n $nsp link set ${id}p up; ip -n $nsb link set ${id}b up
ip -n $nsb link set ${id}c up; ip -n $nso link set ${id}o up
ip -n $nsp route add default via 10.0.2.1
ip -n $nsb route add default via 198.51.100.254
# The outside knows nothing of 10.0.2.0/24: only masquerading gets replies back.

# A TCP server on the "internet" that answers with the address it sees.
cat >"$scratch/peer.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
s.settimeout(120)
while True:
    c, addr = s.accept()
    c.sendall((addr[0] + "\n").encode())
    c.close()
PY
connect_py='import socket,sys; s=socket.create_connection((sys.argv[1],int(sys.argv[2])),2); print(s.recv(64).decode().strip())'
seen_from() {   # seen_from NS ADDR PORT: the source address the server saw
    timeout 5 ip netns exec "$1" $PY -c "$connect_py" "$2" "$3" 2>/dev/null
}
ip netns exec $nso timeout 150 $PY "$scratch/peer.py" 203.0.113.99 8080 &
server_pid=$!
wait_for 5 ip netns exec $nso sh -c 'ss -ltn | grep -q 203.0.113.99:8080'

check "nat: before the role the private host cannot reach the outside" \
    test -z "$(seen_from $nsp 203.0.113.99 8080)"

cat >"$scratch/inventory.yml" <<INV
all:
  vars:
    private_subnet_cidr: 10.0.2.0/24
  children:
    bastion:
      hosts:
        bastion:
          ansible_connection: local
          ansible_python_interpreter: $PY
          ansible_become: false
          nat_sysctl_file: $scratch/sysctl.d/60-vstream-nat.conf
          nat_rules_file: $scratch/iptables/rules.v4
          # the namespace has no route to the apt mirror; packages come from deploy/deps.sh
          nat_install_packages: false
          nat_manage_service: false
INV
in_bastion() { ip netns exec $nsb "$@"; }

check "nat: bastion.yml runs inside the bastion namespace" \
    play_in $nsb $scratch/run1.log -i "$scratch/inventory.yml" bastion.yml
check "nat: the role found the egress interface from the default route" \
    grep -q -- "-o ${id}c -j MASQUERADE" "$scratch/iptables/rules.v4"
check "nat: forwarding is on in the bastion" \
    test "$(in_bastion cat /proc/sys/net/ipv4/ip_forward)" = 1
check "nat: forwarding is persisted in sysctl.d" \
    grep -qx 'net.ipv4.ip_forward *= *1' "$scratch/sysctl.d/60-vstream-nat.conf"
check "nat: FORWARD policy is DROP" \
    in_bastion sh -c 'iptables -S FORWARD | grep -qx -- "-P FORWARD DROP"'

seen=$(seen_from $nsp 203.0.113.99 8080)
check "nat: the private host reaches the outside (seen as '$seen')" test -n "$seen"
check "nat: the outside sees the bastion's address, not 10.0.2.30" test "$seen" = 198.51.100.1

# Nothing but the private subnet's own connections is forwarded: the outside,
# even with a route through the bastion, cannot open one to the private host.
ip netns exec $nsp timeout 150 $PY "$scratch/peer.py" 10.0.2.30 8081 &
inner_pid=$!
wait_for 5 ip netns exec $nsp sh -c 'ss -ltn | grep -q 10.0.2.30:8081'
ip -n $nso route add 10.0.2.0/24 via 198.51.100.1
check "nat: the outside cannot connect in to the private host" \
    test -z "$(seen_from $nso 10.0.2.30 8081)"
check "nat: the bastion itself reaches the private host (INPUT/OUTPUT untouched)" \
    test "$(seen_from $nsb 10.0.2.30 8081)" = 10.0.2.1
kill $inner_pid 2>/dev/null

play_in $nsb $scratch/run2.log -i "$scratch/inventory.yml" bastion.yml ||
    not_ok "nat: second run failed"
check_idempotent "$scratch/run2.log" "nat"

# A reboot loses the live rules; the persisted file brings them back as
# netfilter-persistent does at boot.
in_bastion sh -c 'iptables -F; iptables -t nat -F; iptables -P FORWARD ACCEPT'
check "nat: with the rules flushed the outside no longer sees the bastion" \
    test "$(seen_from $nsp 203.0.113.99 8080)" != 198.51.100.1
in_bastion iptables-restore "$scratch/iptables/rules.v4"
check "nat: iptables-restore of the persisted file restores masquerading" \
    test "$(seen_from $nsp 203.0.113.99 8080)" = 198.51.100.1

# Drift: a run after a flush puts the rules back and says so.
in_bastion sh -c 'iptables -t nat -F'
play_in $nsb $scratch/run3.log -i "$scratch/inventory.yml" bastion.yml ||
    not_ok "nat: third run failed"
check "nat: a run after the rules were flushed reports a change" \
    test "$(recap_sum "$scratch/run3.log" changed)" -gt 0
check "nat: ... and masquerading works again" \
    test "$(seen_from $nsp 203.0.113.99 8080)" = 198.51.100.1

finish
