#!/usr/bin/env bash
# Builds build/web/, the static root served by make demo and shipped by the
# Ansible nginx role: the player (index.html), the admin dashboard
# (dashboard/), css/, js/ and hls.js copied from node_modules.  Every URL in
# the pages is relative; the admin API is expected at vstream/ beside them
# and HLS at hls/.
#
# node_modules comes from `npm ci` (web/package-lock.json pins hls.js and
# playwright-core, which the browser test uses); skipped when it is current.
# The pages need hls.js only: `npm ci --omit=dev`, unless VSTREAM_WEB_DEV=1
# (make test) asks for the dev dependencies too.
# Runs on the controller of make deploy too: Linux or macOS (bash 3.2, BSD
# tools; flock is used where it exists).
set -euo pipefail

web=$(cd "$(dirname "$0")" && pwd)
out=${VSTREAM_WEB_OUT:-$(dirname "$web")/build/web}

say() { printf 'web: %s\n' "$*" >&2; }

if ! command -v npm >/dev/null; then
    # Debian's nodejs comes without npm (NodeSource's carries it)
    [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null || {
        say "npm not found: install it (Debian/Ubuntu: apt install npm; macOS: brew install node)"
        exit 1
    }
    say "npm not found; installing Debian's npm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm >&2
fi

# npm writes node_modules/.package-lock.json; when it matches the committed
# lock, node_modules is current.
# One npm ci at a time (the demo and its test may both build).
stamp=$web/node_modules/.package-lock.json
exec 9>"${TMPDIR:-/tmp}/vstream-web-npm.lock"
! command -v flock >/dev/null || flock 9
omit=(--omit=dev)
[ "${VSTREAM_WEB_DEV:-0}" = 1 ] && omit=()
if [ ! -f "$stamp" ] || [ "$web/package-lock.json" -nt "$stamp" ] ||
   [ ! -f "$web/node_modules/hls.js/dist/hls.min.js" ] ||
   { [ ${#omit[@]} -eq 0 ] && [ ! -f "$web/node_modules/playwright-core/package.json" ]; }; then
    say "npm ci ${omit[*]:-}"
    (cd "$web" && npm ci ${omit[@]+"${omit[@]}"} --no-audit --no-fund --loglevel=error >&2)
fi
exec 9>&-

# page FRAGMENT OUT TITLE ROOT: pages/layout.html around pages/FRAGMENT; ROOT
# is the way back to the static root from OUT ("" or "../").
page() {
    local fragment=$1 file=$new/$2 title=$3 root=$4 here
    here=$(printf '%s' "$title" | tr '[:lower:]' '[:upper:]')
    mkdir -p "$(dirname "$file")"
    awk -v frag="$web/pages/$fragment" \
        '/^@MAIN@$/ { while ((getline line < frag) > 0) print line; next } { print }' \
        "$web/pages/layout.html" |
    sed -e "s#@TITLE@#$title#g; s#@ROOT@#$root#g; s#@HOME@#${root:-./}#g" \
        -e "s#@HERE_$here@#here#; s# class=\"@HERE_[A-Z]*@\"##" >"$file"
}

# this run's own scratch trees, so two builds at once do not collide
new=$out.new.$$
old=$out.old.$$
rm -rf "$new"
mkdir -p "$new"
cp -r "$web/src/." "$new/"
page player.html index.html player ""
page dashboard.html dashboard/index.html dashboard ../
cp "$web/node_modules/hls.js/dist/hls.min.js" "$new/js/hls.min.js"
cp "$web/node_modules/hls.js/LICENSE" "$new/js/hls.min.js.LICENSE"
version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$web/node_modules/hls.js/package.json" | head -1)
printf 'hls.js %s (Apache-2.0), from the npm registry via web/package-lock.json\n' \
    "$version" >"$new/js/THIRD-PARTY.txt"
chmod -R a+rX "$new"
# unchanged: keep the old tree, so a reader (the demo, the Ansible role's
# test) never sees it missing
if [ -d "$out" ] && diff -rq "$new" "$out" >/dev/null 2>&1; then
    rm -rf "$new"
    say "$out is up to date"
    exit 0
fi
rm -rf "$old"
[ ! -d "$out" ] || mv "$out" "$old"
mv "$new" "$out"
rm -rf "$old"
say "built $out"
