#!/usr/bin/env bash
# make deb: build/deb/libnginx-mod-vstream_VERSION_amd64.deb and
# build/deb/vstreamctl_VERSION_amd64.deb, with debhelper (deploy/debian/).
#
# The tree is staged in build/deb/vstream-VERSION/ with deploy/debian as its
# debian/: dpkg-buildpackage writes the packages beside the tree it builds,
# so they land in build/deb/ and not in the repository's parent, and its
# scratch files stay out of the work tree.
#
# VERSION is NGX_VSTREAM_VERSION (src/ngx_vstream.h); vstreamctl's own
# VSTREAMCTL_VERSION must agree.  Read here from the installed packages,
# never written down: the nginx-abi-* virtual package that nginx provides
# and the libnginx-mod-rtmp version, whose upstream tarball deploy/deps.sh
# unpacked under build/src for the headers.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/deb

die() { printf 'build-deb: %s\n' "$*" >&2; exit 1; }

version_of() {   # version_of MACRO FILE
    sed -n "s/^#define $1 *\"\\([^\"]*\\)\"/\\1/p" "$2"
}

version=$(version_of NGX_VSTREAM_VERSION "$top/src/ngx_vstream.h")
ctl_version=$(version_of VSTREAMCTL_VERSION "$top/vstreamctl/vstreamctl.h")
[ -n "$version" ] || die "no NGX_VSTREAM_VERSION in src/ngx_vstream.h"
[ "$ctl_version" = "$version" ] ||
    die "vstreamctl/vstreamctl.h says $ctl_version, src/ngx_vstream.h $version: make them agree"

installed() {   # installed PKG FIELD
    dpkg-query -W -f="\${db:Status-Status} \${$2}" "$1" 2>/dev/null |
        sed -n 's/^installed //p'
}

abi=$(installed nginx Provides | grep -o 'nginx-abi-[^ ,]*' || true)
[ -n "$abi" ] || die "the installed nginx provides no nginx-abi-*: install Debian's nginx (deploy/deps.sh base)"
dev_abi=$(sed -n 's/^nginx:abi=//p' /usr/share/nginx/src/debian/libnginx-mod.abisubstvars 2>/dev/null || true)
[ "$dev_abi" = "$abi" ] ||
    die "nginx-dev is for ${dev_abi:-no ABI}, the installed nginx provides $abi: install the nginx-dev of the same version"

rtmp_version=$(installed libnginx-mod-rtmp Version)
[ -n "$rtmp_version" ] || die "libnginx-mod-rtmp is not installed (deploy/deps.sh base)"
# 1:1.2.2+dfsg-3 -> 1.2.2, the directory of its upstream tarball
rtmp_upstream=${rtmp_version#*:}
rtmp_upstream=${rtmp_upstream%-*}
rtmp_upstream=${rtmp_upstream%%+*}
rtmp_src=$top/build/src/nginx-rtmp-module-$rtmp_upstream
[ -f "$rtmp_src/ngx_rtmp.h" ] ||
    die "no headers of nginx-rtmp-module $rtmp_upstream in build/src (the installed libnginx-mod-rtmp is $rtmp_version): run deploy/deps.sh base"

# The stage: the files the build reads, refreshed each time; its build/
# (nginx-dev's configured tree) is kept, so a rebuild only compiles.
stage=$out/vstream-$version
mkdir -p "$stage"
rm -rf "$stage/debian" "$stage/src" "$stage/vstreamctl" "$stage/deploy"
mkdir -p "$stage/deploy"
cp -a "$top/src" "$top/vstreamctl" "$top/config" "$stage/"
cp -a "$top/deploy/build-module.sh" "$stage/deploy/"
cp -a "$top/deploy/debian" "$stage/debian"

# The changelog carries the version; its date is the last commit's when
# there is one (a shipped tree has none), for a reproducible package.
when=$(git -C "$top" log -1 --format=%aD 2>/dev/null || date -R)
maintainer=$(sed -n 's/^Maintainer: //p' "$stage/debian/control")
cat >"$stage/debian/changelog" <<CHANGES
vstream ($version) unstable; urgency=medium

  * Built from the vstream repository by deploy/build-deb.sh (make deb);
    its history is the repository's git log.

 -- $maintainer  $when
CHANGES

rm -f "$out"/libnginx-mod-vstream_* "$out"/libnginx-mod-vstream-dbgsym_* \
    "$out"/vstreamctl_* "$out"/vstreamctl-dbgsym_* "$out"/vstream_*
log=$out/build.log
if ! (cd "$stage" && VSTREAM_NGINX_ABI=$abi VSTREAM_RTMP_VERSION=$rtmp_version \
        NGX_RTMP_SRC=$rtmp_src dpkg-buildpackage -b -us -uc) >"$log" 2>&1; then
    tail -25 "$log" >&2
    die "dpkg-buildpackage failed (log: $log)"
fi
for p in libnginx-mod-vstream vstreamctl; do
    deb=$out/${p}_${version}_$(dpkg --print-architecture).deb
    [ -f "$deb" ] || die "$deb was not built (log: $log)"
    printf 'build-deb: %s\n' "${deb#"$top"/}"
done
printf 'build-deb: depends on %s and libnginx-mod-rtmp (= %s)\n' "$abi" "$rtmp_version"
