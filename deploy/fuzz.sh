#!/usr/bin/env bash
# make test-fuzz: fuzz every parser with libFuzzer, ASan and UBSan for a
# bounded time each, starting from the seeds committed under
# t/unit/corpus/TARGET/ (m3u8: the playlists in t/unit/samples/).  Exits
# non-zero on any crash, sanitizer report, broken invariant (the target's
# t/unit/TARGET_fuzz.c), timeout or memory blow-up; the input that did it
# is left in build/fuzz/artifacts/.
#
#   m3u8     the HLS playlist parser (src/vstream_m3u8.c)
#   utf8     strict UTF-8 and the JSON / Prometheus escapers (vstream_text.c)
#   names    the stream-name rule and the HLS playlist paths
#   args     the publish arguments (exp, sig, kid)
#   admin    the admin API's router (method and path)
#   cidr     vstream_ingest_allow values: nginx's own ngx_ptocidr()
#   webhook  the webhook body as Jansson builds it
#   ctl      vstreamctl's reading of /vstream/status
#   keys     the key files of vstream_ingest_secret_file (and vstreamctl sign)
#
#   FUZZ_SECONDS   how long to fuzz each target (7; 9 targets: ~65 s)
#   FUZZ_TARGETS   which (all of the above, in that order)
#   FUZZ_MAX_LEN   largest input tried for m3u8, bytes (65536; see below)
#   FUZZ_CC        the compiler (clang; deploy/packages/fuzz.txt)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/fuzz"
seconds=${FUZZ_SECONDS:-7}
cc=${FUZZ_CC:-clang}
targets=${FUZZ_TARGETS:-m3u8 utf8 names args admin cidr webhook ctl keys}

# The module reads playlists up to 1 MB, but libFuzzer mutating inputs that
# big spends its budget on a few thousand runs; 64 KB keeps it at hundreds
# of thousands.  The parser is one pass over the bytes, and the unit test
# (t/10-m3u8.t) covers the 1 MB shapes.
max_len=${FUZZ_MAX_LEN:-65536}

say() { printf 'fuzz: %s\n' "$*" >&2; }

for v in FUZZ_SECONDS:"$seconds" FUZZ_MAX_LEN:"$max_len"; do
    case "${v#*:}" in
        ''|*[!0-9]*) say "${v%%:*} must be a number"; exit 2 ;;
    esac
done

if ! command -v "$cc" >/dev/null 2>&1; then
    say "$cc not found: run deploy/deps.sh fuzz"
    exit 1
fi

mkdir -p "$out/artifacts"

cflags=(-std=c99 -Wall -Wextra -Werror -g -O1
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
        -I"$top/src" -I"$top/t/unit")
unit="$top/t/unit"
text="$top/src/vstream_text.c"

# nginx's own ngx_inet.c and ngx_string.c for the cidr target, with the
# ngx_auto_*.h headers of the module's build (what Debian's nginx has).
ngx_objs() {
    local ngx_src auto o
    ngx_src=$(ls -d "$top"/build/src/nginx-[0-9]*/ 2>/dev/null | head -1)
    ngx_src=${ngx_src%/}
    auto="$top/build/nginx-release/objs"
    if [ ! -f "$auto/ngx_auto_config.h" ]; then
        "$top/deploy/build-module.sh" >/dev/null || return 1
    fi
    [ -f "$ngx_src/src/core/ngx_inet.c" ] ||
        { say "nginx's source is not under build/src: run deploy/deps.sh --sources"; return 1; }
    ngx_inc=(-I"$auto" -I"$ngx_src/src/core" -I"$ngx_src/src/event"
             -I"$ngx_src/src/os/unix")
    mkdir -p "$out/ngx"
    # nginx's code is built as nginx builds it: no -Wextra -Werror
    for o in ngx_inet ngx_string; do
        "$cc" -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
            -fno-sanitize-recover=all "${ngx_inc[@]}" \
            -c "$ngx_src/src/core/$o.c" -o "$out/ngx/$o.o" || return 1
    done
}

# build TARGET: build/fuzz/TARGET_fuzz
build() {
    local t=$1 bin="$out/$1_fuzz"
    case $t in
        m3u8)
            "$cc" "${cflags[@]}" "$unit/m3u8_fuzz.c" "$top/src/vstream_m3u8.c" \
                "$text" -o "$bin" ;;
        utf8|names|args|admin|keys)
            "$cc" "${cflags[@]}" "$unit/${t}_fuzz.c" "$text" -ljansson \
                -o "$bin" ;;
        cidr)
            ngx_objs &&
            "$cc" -g -O1 -Wall -Werror -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all "${ngx_inc[@]}" \
                "$unit/cidr_fuzz.c" "$unit/ngx_stubs.c" \
                "$out/ngx/ngx_inet.o" "$out/ngx/ngx_string.o" \
                -o "$bin" ;;
        webhook)
            "$cc" "${cflags[@]}" "$unit/webhook_fuzz.c" -ljansson -o "$bin" ;;
        ctl)
            "$cc" "${cflags[@]}" -D_DEFAULT_SOURCE -I"$top/vstreamctl" \
                "$unit/ctl_fuzz.c" "$top/vstreamctl/vstreamctl_status.c" \
                "$top/vstreamctl/vstreamctl_util.c" -ljansson -lcrypto -lm \
                -o "$bin" ;;
        *)
            say "unknown target $t"; return 1 ;;
    esac
}

# The targets allocate little and free it all; leak checking would only add
# a need for ptrace.
export ASAN_OPTIONS=detect_leaks=0
export UBSAN_OPTIONS=print_stacktrace=1

passed=0
failed=0

for t in $targets; do
    bin="$out/${t}_fuzz"
    corpus="$out/corpus/$t"
    log="$out/${t}_fuzz.log"

    if ! build "$t"; then
        say "building the $t target failed (libclang-rt-14-dev installed?)"
        say "$t: 0 passed, 1 failed"
        failed=$((failed + 1))
        continue
    fi

    # Seeds; what libFuzzer adds stays in build/fuzz/corpus for the next run.
    mkdir -p "$corpus"
    if [ "$t" = m3u8 ]; then
        cp "$top"/t/unit/samples/*.m3u8 "$corpus/"
    else
        cp "$top/t/unit/corpus/$t"/* "$corpus/"
    fi

    opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024
          -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-")
    case $t in
        m3u8) opts+=(-max_len="$max_len" -dict="$unit/m3u8.dict") ;;
        ctl)  opts+=(-max_len=16384 -close_fd_mask=2) ;;
        *)    opts+=(-max_len=4096) ;;
    esac
    [ -f "$unit/corpus/$t.dict" ] && opts+=(-dict="$unit/corpus/$t.dict")

    start=$(date +%s)
    "$bin" "${opts[@]}" "$corpus" >"$log" 2>&1
    rc=$?
    elapsed=$(( $(date +%s) - start ))

    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
    size=$(find "$corpus" -type f | wc -l)

    if [ $rc -ne 0 ]; then
        grep -E -A25 'ERROR|runtime error|==[0-9]+==|deadly signal' "$log" |
            head -60 >&2
        say "exit $rc; the input is in $out/artifacts/, the log in $log"
        say "reproduce: $bin $out/artifacts/$t-<file>"
        printf 'fuzz: %s: 0 passed, 1 failed (%s execs in %s s, %s)\n' \
            "$t" "${execs:-?}" "$elapsed" "${cov:-no coverage}"
        failed=$((failed + 1))
        continue
    fi

    printf 'fuzz: %s: 1 passed, 0 failed (%s execs in %s s, %s, corpus %s)\n' \
        "$t" "${execs:-?}" "$elapsed" "${cov:-no coverage}" "$size"
    passed=$((passed + 1))
done

printf 'fuzz: %s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
