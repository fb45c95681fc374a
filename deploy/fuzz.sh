#!/usr/bin/env bash
# make test-fuzz: fuzz the HLS playlist parser (src/vstream_m3u8.c) with
# libFuzzer, ASan and UBSan for a bounded time, starting from the playlists
# in t/unit/samples/.  Exits non-zero on any crash, sanitizer report,
# broken invariant (t/unit/m3u8_fuzz.c), timeout or memory blow-up; the
# input that did it is left in build/fuzz/artifacts/.
#
#   FUZZ_SECONDS   how long to fuzz (30)
#   FUZZ_MAX_LEN   largest input tried, bytes (65536; see below)
#   FUZZ_CC        the compiler (clang; deploy/packages/fuzz.txt)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/fuzz"
seconds=${FUZZ_SECONDS:-30}
cc=${FUZZ_CC:-clang}

# The module reads playlists up to 1 MB, but libFuzzer mutating inputs that
# big spends a 30 s budget on a few thousand runs; 64 KB keeps it at
# hundreds of thousands.  The parser is one pass over the bytes, and the
# unit test (t/10-m3u8.t) covers the 1 MB shapes.
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

mkdir -p "$out/corpus" "$out/artifacts"

if ! "$cc" -std=c99 -Wall -Wextra -Werror -g -O1 \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -I"$top/src" "$top/t/unit/m3u8_fuzz.c" "$top/src/vstream_m3u8.c" \
        -o "$out/m3u8_fuzz"
then
    say "building the fuzz target failed (libclang-rt-14-dev installed?)"
    say "m3u8: 0 passed, 1 failed"
    exit 1
fi

# Seeds; what libFuzzer adds stays in build/fuzz/corpus for the next run.
cp "$top"/t/unit/samples/*.m3u8 "$out/corpus/"

# The parser allocates nothing, so leak checking adds nothing but a need for
# ptrace.
export ASAN_OPTIONS=detect_leaks=0
export UBSAN_OPTIONS=print_stacktrace=1

log="$out/m3u8_fuzz.log"
start=$(date +%s)

"$out/m3u8_fuzz" -max_total_time="$seconds" -max_len="$max_len" \
    -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
    -dict="$top/t/unit/m3u8.dict" -artifact_prefix="$out/artifacts/" \
    "$out/corpus" >"$log" 2>&1
rc=$?

elapsed=$(( $(date +%s) - start ))
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
corpus=$(find "$out/corpus" -type f | wc -l)

if [ $rc -ne 0 ]; then
    grep -E -A25 'ERROR|runtime error|==[0-9]+==|deadly signal' "$log" |
        head -60 >&2
    say "exit $rc; the input is in $out/artifacts/, the log in $log"
    say "reproduce: $out/m3u8_fuzz $out/artifacts/<file>"
    printf 'fuzz: m3u8: 0 passed, 1 failed (%s execs in %s s, %s)\n' \
        "${execs:-?}" "$elapsed" "${cov:-no coverage}"
    exit 1
fi

printf 'fuzz: m3u8: 1 passed, 0 failed (%s execs in %s s, %s, corpus %s)\n' \
    "${execs:-?}" "$elapsed" "${cov:-no coverage}" "$corpus"
