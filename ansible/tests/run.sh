#!/usr/bin/env bash
# make test-ansible: lint, argument specs, and the roles run for real on this
# machine (nat in network namespaces, streamer against a throwaway
# nginx-rtmp, ssl with an issued certificate, nginx + ssl on high ports
# under a scratch directory).
# Every test cleans up what it starts.  Prints "ansible: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

[ "$(id -u)" -eq 0 ] || { echo "ansible tests: run as root (namespaces, iptables)" >&2; exit 1; }
"$top/deploy/deps.sh" base ansible monitoring rtmps || exit 1

passed=0 failed=0 skipped=0 broken=()
mapfile -t before < <(ls -d /var/tmp/vstream-ansible.* 2>/dev/null)
start=$SECONDS
for t in lint specs nat ssh streamer ssl_domain frontend peers rtmps monitoring; do
    t0=$SECONDS
    out=$("$here/t_$t.sh" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    n_ok=$(grep -c '^ok - ' <<<"$out")
    n_skip=$(grep -c '^ok - # SKIP' <<<"$out")
    n_fail=$(grep -c '^not ok - ' <<<"$out")
    passed=$((passed + n_ok - n_skip)); skipped=$((skipped + n_skip)); failed=$((failed + n_fail))
    if [ $rc -ne 0 ] && [ "$n_fail" -eq 0 ]; then
        failed=$((failed + 1)); echo "not ok - $t: test script exited $rc"
    fi
    [ $rc -ne 0 ] && broken+=("$t")
    echo "# t_$t: $((SECONDS - t0)) s"
done

# Nothing may be left behind: namespaces, processes, scratch directories.
left=$( { ip netns list | grep -E '^vs[afrs][0-9]+'
          pgrep -af 'vstream-ansible\.' | grep -v pgrep
          ls -d /var/tmp/vstream-ansible.* 2>/dev/null | grep -vxFf <(printf '%s\n' "${before[@]}") ; } 2>/dev/null)
if [ -z "$left" ]; then
    passed=$((passed + 1)); echo "ok - cleanup: no namespace, process or scratch directory left"
else
    failed=$((failed + 1)); echo "not ok - cleanup: left behind: $(echo $left)"
fi

skip_note=
[ $skipped -gt 0 ] && skip_note=", $skipped skipped"
echo "ansible: $passed passed, $failed failed$skip_note ($((SECONDS - start)) s)${broken[*]:+; failing: ${broken[*]}}"
[ $failed -eq 0 ] && [ ${#broken[@]} -eq 0 ]
