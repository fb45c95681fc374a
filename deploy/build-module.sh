#!/usr/bin/env bash
# Build ngx_vstream_module.so for the installed Debian nginx, from nginx-dev's
# build tree (/usr/share/nginx/src) configured with Debian's own flags
# (conf_flags), so the module's ABI matches the nginx binary.
#
#   deploy/build-module.sh          -> build/ngx_vstream_module.so
#   deploy/build-module.sh --asan   -> build/asan/ngx_vstream_module.so
#                                      (ASan + UBSan; run nginx with the runtime preloaded)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ngx_dev=${NGINX_DEV_SRC:-/usr/share/nginx/src}
variant=release
[ "${1:-}" = --asan ] && variant=asan

rtmp_src=${NGX_RTMP_SRC:-$(ls -d "$top"/build/src/nginx-rtmp-module-*/ 2>/dev/null | head -1)}
rtmp_src=${rtmp_src%/}
[ -f "$rtmp_src/ngx_rtmp.h" ] ||
    { echo "build-module: nginx-rtmp-module headers not found; run 'make deps' or set NGX_RTMP_SRC" >&2; exit 1; }
[ -f "$ngx_dev/conf_flags" ] ||
    { echo "build-module: $ngx_dev/conf_flags not found; install nginx-dev ('make deps')" >&2; exit 1; }

tree=$top/build/nginx-$variant
out=$top/build
[ $variant = asan ] && out=$top/build/asan
mkdir -p "$out"

# shellcheck disable=SC1090,SC1091
. "$ngx_dev/conf_flags"

# Debian's compiler flags, minus the build-path mapping; -Werror as nginx does.
cc_opt="-g -O2 -fstack-protector-strong -Wformat -Werror=format-security -fPIC -Wdate-time -D_FORTIFY_SOURCE=2 -Werror"
ld_opt="-Wl,-z,relro -Wl,-z,now -fPIC"
if [ $variant = asan ]; then
    cc_opt="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -fPIC -Werror"
    ld_opt="-fsanitize=address,undefined -fPIC"
fi

# Configure again only when what configure reads has changed.
stamp_new=$(cat "$ngx_dev/conf_flags" "$top/config" <(echo "$cc_opt $ld_opt $rtmp_src") | sha256sum | cut -c1-16)
if [ ! -f "$tree/objs/Makefile" ] || [ "$(cat "$tree/.vstream-stamp" 2>/dev/null)" != "$stamp_new" ]; then
    rm -rf "$tree"
    mkdir -p "$tree"
    cp -a "$ngx_dev"/. "$tree"/
    (cd "$tree" && NGX_RTMP_SRC="$rtmp_src" ./configure "${NGX_CONF_FLAGS[@]}" \
        --with-cc-opt="$cc_opt" --with-ld-opt="$ld_opt" \
        --add-dynamic-module="$top" >"$tree/configure.log" 2>&1) ||
        { tail -20 "$tree/configure.log" >&2; echo "build-module: configure failed (log: $tree/configure.log)" >&2; exit 1; }
    echo "$stamp_new" >"$tree/.vstream-stamp"
fi

make -s -C "$tree" -f objs/Makefile modules >"$tree/make.log" 2>&1 ||
    { grep -E 'error|warning' "$tree/make.log" | head -30 >&2; echo "build-module: compile failed (log: $tree/make.log)" >&2; exit 1; }
install -m 0644 "$tree/objs/ngx_vstream_module.so" "$out/ngx_vstream_module.so"
echo "build-module: $out/ngx_vstream_module.so ($variant, nginx $(nginx -v 2>&1 | sed 's/.*\///'))"
