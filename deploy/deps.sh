#!/usr/bin/env bash
# Install what vstream needs, from Debian's packages only, and fetch the
# nginx-rtmp-module source (the upstream tarball of Debian's source package
# libnginx-mod-rtmp) for its headers.  Idempotent and quick when all is there.
#
#   deploy/deps.sh                 every list under deploy/packages/ (make test)
#   deploy/deps.sh base ansible    only those lists (each make target names
#                                  its own: see the Makefile's deps-* targets)
#   deploy/deps.sh --sources       also nginx's own orig tarball (the upstream
#                                  build test, the fuzzer's cidr target)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src="$top/build/src"
want_nginx_src=0
lists=()

for arg in "$@"; do
    case "$arg" in
        --sources) want_nginx_src=1 ;;
        *) lists+=("$top/deploy/packages/$arg.txt") ;;
    esac
done
[ ${#lists[@]} -gt 0 ] || lists=("$top"/deploy/packages/*.txt)

say() { printf 'deps: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing_packages() {
    local p
    for p in $(grep -hv '^\s*#' "${lists[@]}" | tr -s ' \n' '\n' | sort -u); do
        [ -n "$p" ] || continue
        dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed ||
            printf '%s\n' "$p"
    done
}

apt_updated=0
apt_update() {
    [ $apt_updated -eq 1 ] && return 0
    as_root apt-get update -q >&2
    apt_updated=1
}

# 1. Debian packages.
missing=$(missing_packages)
if [ -n "$missing" ]; then
    say "installing: $(echo $missing)"
    apt_update
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends $missing >&2
fi

# 2. A deb-src entry derived from the machine's own apt sources, so no mirror
#    name is ever written down here.
ensure_deb_src() {
    local out=/etc/apt/sources.list.d/vstream-deb-src.sources
    [ -f "$out" ] && return 0
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        sed -n 's/^Types:[[:space:]]*deb$/Types: deb-src/; p' \
            /etc/apt/sources.list.d/debian.sources | as_root tee "$out" >/dev/null
    elif [ -f /etc/apt/sources.list ]; then
        out=/etc/apt/sources.list.d/vstream-deb-src.list
        [ -f "$out" ] && return 0
        sed -n 's/^deb[[:space:]]/deb-src /p' /etc/apt/sources.list |
            as_root tee "$out" >/dev/null
    else
        say "no apt sources found to derive a deb-src entry from"; exit 1
    fi
    apt_updated=0
}

# Download a source package's orig tarball and unpack it under build/src.
# 'apt-get source' may fail to fetch the Debian parts on some networks; the
# orig tarball is all we need, so we unpack it ourselves.
fetch_orig() {   # fetch_orig BINPKG DIRGLOB
    local binpkg=$1 dirglob=$2 srcpkg fullver ver tarball
    srcpkg=$(dpkg-query -W -f='${source:Package}' "$binpkg")
    fullver=$(dpkg-query -W -f='${source:Version}' "$binpkg")
    ver=${fullver#*:}            # file names carry no epoch
    tarball=$(ls "$src"/"${srcpkg}_${ver%-*}".orig.tar.* 2>/dev/null | head -1 || true)
    if [ -z "$tarball" ]; then
        ensure_deb_src
        apt_update
        mkdir -p "$src"
        say "fetching the source of $srcpkg $ver"
        (cd "$src" && apt-get source --download-only -q \
            -o APT::Sandbox::User=root "$srcpkg=$fullver" >&2) ||
            say "apt-get source reported errors (the Debian parts); checking the orig tarball"
        tarball=$(ls "$src"/"${srcpkg}_${ver%-*}".orig.tar.* 2>/dev/null | head -1 || true)
        [ -n "$tarball" ] || { say "the orig tarball of $srcpkg $ver did not arrive"; exit 1; }
    fi
    if ! ls -d "$src"/$dirglob >/dev/null 2>&1; then
        tar -C "$src" -xf "$tarball"
    fi
}

fetch_orig libnginx-mod-rtmp 'nginx-rtmp-module-*/ngx_rtmp.h'
if [ $want_nginx_src -eq 1 ]; then
    fetch_orig nginx-common 'nginx-[0-9]*/src/core/nginx.h'
fi
exit 0
