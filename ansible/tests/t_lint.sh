#!/usr/bin/env bash
# ansible-lint (offline, production profile) over the playbooks and roles,
# and --syntax-check of every playbook against the example inventory.
. "$(dirname "$0")/lib.sh"

lint=$(cd "$adir" && ansible-lint --offline --profile production --nocolor 2>&1)
check "lint: ansible-lint --offline --profile production passes" \
    grep -q 'Passed with production profile' <<<"$lint"
grep -E '^[a-z-]+(\[[a-z-]+\])?: |^roles/|\.yml:[0-9]' <<<"$lint" | head -20 | sed 's/^/#   /'

for pb in site.yml frontend.yml bastion.yml streamer.yml monitoring.yml; do
    check "lint: $pb passes --syntax-check" \
        sh -c "cd '$adir' && ansible-playbook --syntax-check -i inventory/example.yml $pb >/dev/null 2>&1"
done

finish
