#!/usr/bin/env bash
# make test-terraform: offline checks of every module and the root stack.
#   terraform fmt -check, then for each: README lists every input and output,
#   init (provider from /opt/tf-plugins, no backend), validate (root and
#   inventory), terraform test (aws mocked, plans only); with the root, the
#   CDN's viewer-request function run under node.  deploy/aws.sh's preflight
#   is tested by t/57-deploy-preflight.t.
# Exits non-zero on any failure; the last line sums up the test runs.
#
#   terraform/tests/run.sh                  everything
#   terraform/tests/run.sh modules/network  only those directories
set -uo pipefail

tf_dir=$(cd "$(dirname "$0")/.." && pwd)
plugin_dir=${VSTREAM_TF_PLUGIN_DIR:-/opt/tf-plugins}
dirs=("$@")
if [ $# -eq 0 ]; then
    dirs=(modules/inventory modules/network modules/instance .)
fi

say() { printf 'terraform: %s\n' "$*"; }

if ! command -v terraform >/dev/null; then
    say "terraform is not installed (expected /usr/local/bin/terraform)"
    say "0 passed, 1 failed"
    exit 1
fi

# Working data (providers, modules) goes to a scratch directory, so the tree
# only ever gains the committed lock files.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TF_IN_AUTOMATION=1 TF_INPUT=0
# The CLI config named by the environment may not exist; don't warn about it.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then
    unset TF_CLI_CONFIG_FILE
fi

passed=0 failed=0 errors=0
start=$SECONDS

step() { # step NAME DIR COMMAND...: run quietly, show the output on failure
    local name=$1 dir=$2 log
    shift 2
    log="$work/$name.log"
    if (cd "$tf_dir/$dir" && "$@") >"$log" 2>&1; then
        return 0
    fi
    say "FAIL: $name in terraform/${dir#.}"
    sed 's/^/    /' "$log"
    errors=$((errors + 1))
    return 1
}

if [ ${#dirs[@]} -gt 0 ] && step fmt . terraform fmt -check -recursive -diff -no-color; then
    say "fmt: ok"
fi

for dir in "${dirs[@]}"; do
    label=${dir#modules/} where=terraform/$dir
    [ "$dir" = . ] && label=root where=terraform
    # The README's tables name every input and output.
    undocumented=$(cd "$tf_dir/$dir" && sed -n 's/^\(variable\|output\) "\([^"]*\)".*/\2/p' variables.tf outputs.tf |
        while read -r name; do grep -q "^| \`$name\` |" README.md || printf '%s ' "$name"; done)
    if [ -n "$undocumented" ]; then
        say "FAIL: $where/README.md does not list: $undocumented"
        errors=$((errors + 1))
    fi

    export TF_DATA_DIR="$work/data-$label"
    step "init-$label" "$dir" terraform init -backend=false -input=false -no-color \
        -plugin-dir="$plugin_dir" || continue
    # terraform test validates what it plans; the root's validate covers the
    # modules as the stack calls them.  Only the root and the provider-free
    # inventory get a separate validate: each loads the aws provider's schema,
    # seconds of CPU on this shared machine.
    if [ "$dir" = . ] || [ "$dir" = modules/inventory ]; then
        step "validate-$label" "$dir" terraform validate -no-color || continue
    fi

    log="$work/test-$label.log"
    (cd "$tf_dir/$dir" && terraform test -no-color) >"$log" 2>&1
    rc=$?
    p=$(grep -c '^  run ".*"\.\.\. pass$' "$log")
    f=$(grep -c '^  run ".*"\.\.\. fail$' "$log")
    s=$(grep -c '^  run ".*"\.\.\. skip$' "$log")
    passed=$((passed + p))
    failed=$((failed + f + s))
    if [ $rc -ne 0 ] || [ $((f + s)) -ne 0 ] || [ "$p" -eq 0 ]; then
        say "FAIL: terraform test in $where ($p passed, $f failed, $s skipped)"
        grep -v -e '^$' -e '^[│╷╵]' "$log" | sed 's/^/    /'
        [ $((f + s)) -ne 0 ] || errors=$((errors + 1))
    else
        say "$label: $p passed"
    fi
done

# CloudFront's viewer-request function (the admin API is never passed to an
# origin), run under node: make test installs nodejs (deploy/packages/demo.txt).
check_viewer_request() {
    local out
    if ! command -v node >/dev/null; then
        say "FAIL: node is not installed: cannot run modules/cdn/viewer-request.js"
        failed=$((failed + 1))
        return
    fi
    if out=$(node "$tf_dir/tests/viewer-request.test.js" "$tf_dir/modules/cdn/viewer-request.js" 2>&1); then
        passed=$((passed + 1))
        say "cdn viewer-request function: passed"
    else
        failed=$((failed + 1))
        say "FAIL: modules/cdn/viewer-request.js:"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
}
for dir in "${dirs[@]}"; do
    [ "$dir" = . ] && check_viewer_request
done

# terraform.tfvars.example sets (or shows, commented out) only variables the
# stack declares, and both required ones.
check_tfvars_example() {
    local names declared unknown
    names=$(sed -n 's/^#\{0,1\} \{0,1\}\([a-z_][a-z0-9_]*\) *=.*/\1/p' "$tf_dir/terraform.tfvars.example" | sort -u)
    declared=$(sed -n 's/^variable "\([^"]*\)".*/\1/p' "$tf_dir/variables.tf" | sort -u)
    unknown=$(comm -23 <(printf '%s\n' "$names") <(printf '%s\n' "$declared") | tr '\n' ' ')
    if [ -n "$unknown" ] || ! grep -q '^ssh_public_key *=' "$tf_dir/terraform.tfvars.example" ||
        ! grep -q '^admin_cidr *=' "$tf_dir/terraform.tfvars.example"; then
        say "FAIL: terraform.tfvars.example: undeclared [$unknown], or ssh_public_key/admin_cidr not set"
        errors=$((errors + 1))
    fi
}
for dir in "${dirs[@]}"; do
    [ "$dir" = . ] && check_tfvars_example
done

say "$passed passed, $failed failed$([ $errors -gt 0 ] && echo ", $errors other errors") ($((SECONDS - start)) s)"
[ $failed -eq 0 ] && [ $errors -eq 0 ]
