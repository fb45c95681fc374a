#!/usr/bin/env bash
# streamer role: render the unit with streamer.yml, validate it, run its
# ExecStartPre (vstreamctl, built by the role, signs a fresh URL with the
# secret fetched from the "frontend") as the unit's user, then the very
# ExecStart command line it holds against a throwaway nginx-rtmp and see
# the stream published.
. "$(dirname "$0")/lib.sh"

mk_scratch
ff_pid=
stalled=
cleanup() {
    [ -n "$stalled" ] && kill -CONT "$stalled" 2>/dev/null
    [ -n "$ff_pid" ] && kill "$ff_pid" 2>/dev/null
    stop_nginx "$scratch/nginx"
    rm_scratch
}
trap cleanup EXIT

rtmp_port=$(free_port)
stat_port=$(free_port)
unit=$scratch/systemd/vstream-streamer.service
sign=$scratch/bin/vstream-streamer-sign
secret=$scratch/streamer/ingest.key
mkdir -p "$scratch/systemd" "$scratch/frontend"
# the frontend's ingest secret, as the nginx role makes it
(umask 077; openssl rand -hex 32 >"$scratch/frontend/ingest.key")
# the role ships the repository's HEAD: a clone keeps it still
git clone -q --shared "$top" "$scratch/repo" || not_ok "streamer: clone the repository"
cat >"$scratch/inventory.yml" <<INV
all:
  vars:
    frontend_private_ip: 127.0.0.1
  children:
    streamer:
      hosts:
        streamer:
          ansible_connection: local
          ansible_python_interpreter: $PY
          ansible_become: false
          streamer_rtmp_port: $rtmp_port
          streamer_stream_name: anstest
          streamer_unit_dir: $scratch/systemd
          streamer_user: nobody
          streamer_create_user: false
          streamer_manage_service: false
          streamer_ingest_secret_host: streamer
          streamer_ingest_secret_src: $scratch/frontend/ingest.key
          streamer_ingest_secret_file: $secret
          streamer_sign_script: $sign
          streamer_vstreamctl_repo: $scratch/repo
          streamer_vstreamctl_src_dir: $scratch/src
          streamer_vstreamctl_bin: $scratch/bin/vstreamctl
          streamer_rw_timeout_sec: 3
INV

check "streamer: streamer.yml renders the unit" \
    play "$scratch/run1.log" -i "$scratch/inventory.yml" streamer.yml
check "streamer: the unit restarts ffmpeg whenever it exits" grep -qx 'Restart=always' "$unit"
check "streamer: the unit never gives up restarting" grep -qx 'StartLimitIntervalSec=0' "$unit"
check "streamer: the unit signs a fresh URL at every start (ExecStartPre)" \
    grep -qx "ExecStartPre=$sign" "$unit"
check "streamer: in its runtime directory, read by ExecStart" \
    sh -c "grep -qx 'RuntimeDirectory=vstream-streamer' '$unit' &&
           grep -qx 'EnvironmentFile=-/run/vstream-streamer/publish.env' '$unit' &&
           grep -q ' -f flv \${VSTREAM_PUBLISH_URL}\$' '$unit'"
check "streamer: ffmpeg gives up a stalled connection (-rw_timeout, 10 s by default)" \
    sh -c "grep -q -- ' -rw_timeout 3000000 -f flv ' '$unit' &&
           grep -qx 'streamer_rw_timeout_sec: 10' '$adir/roles/streamer/defaults/main.yml'"
check "streamer: the signing script signs for the frontend's private address" \
    grep -qF -- "live/anstest --ttl 3600 --base rtmp://127.0.0.1:$rtmp_port/live)" "$sign"
check "streamer: the ingest secret is the frontend's, owned by the unit's user, mode 0600" \
    sh -c "cmp -s '$secret' '$scratch/frontend/ingest.key' &&
           test \"\$(stat -c '%U %a' '$secret')\" = 'nobody 600'"
check "streamer: vstreamctl was built on the host with make vstreamctl" \
    cmp -s "$scratch/src/build/vstreamctl" "$scratch/bin/vstreamctl"
if command -v systemd-analyze >/dev/null; then
    # verify wants the units the unit names; without systemd running, the
    # only findings must not be about our file's syntax or ExecStart.
    # Unknown keys and bad values are only warnings (naming the file): none allowed.
    verify=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$unit" 2>&1)
    verify_rc=$?
    check "streamer: systemd-analyze verify accepts the unit${verify:+ ($verify)}" \
        test $verify_rc = 0 -a -z "$(echo "$verify" | grep -F "$(basename "$unit")")"
else
    skip "streamer: systemd-analyze not installed"
fi

play "$scratch/run2.log" -i "$scratch/inventory.yml" streamer.yml || not_ok "streamer: second run failed"
check_idempotent "$scratch/run2.log" streamer

# ExecStartPre as systemd runs it: the unit's user, RUNTIME_DIRECTORY set.
# VSTREAM_SIGN_NOW stands for a later start: each start signs anew.
run=$scratch/run
mkdir -p "$run" && chown nobody "$run" && chmod 0700 "$run"
as_unit() { env RUNTIME_DIRECTORY="$run" setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
check "streamer: ExecStartPre runs as the unit's user" as_unit "$sign"
url=$(sed -n 's/^VSTREAM_PUBLISH_URL=//p' "$run/publish.env")
check "streamer: it writes a signed URL ($url), mode 0600" \
    sh -c "echo '$url' | grep -qE '^rtmp://127\.0\.0\.1:$rtmp_port/live/anstest\?exp=[0-9]+&sig=[A-Za-z0-9_-]{43}\$' &&
           test \"\$(stat -c %a '$run/publish.env')\" = 600"
exp=${url#*exp=}; exp=${exp%%&*}
sig=$(printf '%s' "live/anstest:$exp" |
    openssl dgst -sha256 -mac HMAC -macopt "key:$(cat "$secret")" -binary |
    openssl base64 -A | tr '+/' '-_' | tr -d '=')
check "streamer: the signature is HMAC-SHA256 of live/anstest:EXP with the secret" \
    test "${url##*sig=}" = "$sig"
now=$(date +%s)
check "streamer: the key expires streamer_key_ttl (3600 s) after the start" \
    test $((exp - now)) -ge 3590 -a $((exp - now)) -le 3600
later=$((now + 7200))
as_unit env VSTREAM_SIGN_NOW=$later "$sign"
url2=$(sed -n 's/^VSTREAM_PUBLISH_URL=//p' "$run/publish.env")
check "streamer: a later start signs a new key (exp $((later + 3600)))" \
    grep -q "exp=$((later + 3600))&" <<<"$url2"
as_unit "$sign"
url=$(sed -n 's/^VSTREAM_PUBLISH_URL=//p' "$run/publish.env")

# The command line exactly as systemd would run it (no quoting in it: the
# role only lets through plain words), ${VSTREAM_PUBLISH_URL} from the
# environment file.
cmd=$(sed -n 's/^ExecStart=//p' "$unit")
cmd=${cmd/'${VSTREAM_PUBLISH_URL}'/"$url"}
check "streamer: ExecStart publishes to the signed URL" \
    sh -c 'test "${1% -f flv *}${2}" = "$1"' - "$cmd" " -f flv $url"
start_rtmp_nginx "$scratch/nginx" "$rtmp_port" "$stat_port" || not_ok "streamer: start the test nginx"
set -f   # the URL has a "?": no globbing
timeout 120 $cmd >"$scratch/ffmpeg.log" 2>&1 &
set +f
ff_pid=$!
published() {
    curl -s "http://127.0.0.1:$stat_port/stat" |
        tr -d '\n' | grep -q '<name>anstest</name>.*<publishing/>'
}
check "streamer: the unit's ffmpeg command publishes to nginx-rtmp" wait_for 15 published
sleep 2
check "streamer: ffmpeg is still running (no timeout, no error)" kill -0 $ff_pid
bytes=$(curl -s "http://127.0.0.1:$stat_port/stat" | tr -d '\n' |
    grep -o '<name>anstest</name>.*' | grep -o '<bytes_in>[0-9]*' | head -1 | tr -dc 0-9)
check "streamer: nginx received the stream (${bytes:-0} bytes)" test "${bytes:-0}" -gt 10000

# A half-open connection: the server stops reading (its worker stopped, the
# socket open).  ffmpeg's writes fill the socket buffers, then block, and
# -rw_timeout (3 s here) ends ffmpeg, which systemd would start again.
stalled=$(pgrep -P "$(cat "$scratch/nginx/nginx.pid")" | head -1)
kill -STOP "$stalled"
t0=$SECONDS
gone() { ! kill -0 "$ff_pid" 2>/dev/null; }
if wait_for 90 gone; then
    wait "$ff_pid"; rc=$?
    check "streamer: ffmpeg gives up a stalled connection $((SECONDS - t0)) s after the server stopped reading (exit $rc)" \
        sh -c "test $rc != 124 && grep -q 'timed out' '$scratch/ffmpeg.log'"
else
    not_ok "streamer: ffmpeg still blocked 90 s after the server stopped reading"
    kill "$ff_pid" 2>/dev/null; wait "$ff_pid" 2>/dev/null
fi
ff_pid=
kill -CONT "$stalled"; stalled=
[ -s "$scratch/ffmpeg.log" ] && sed 's/^/#   ffmpeg: /' "$scratch/ffmpeg.log" | head -5

finish
