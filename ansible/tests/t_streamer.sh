#!/usr/bin/env bash
# streamer role: render the unit with streamer.yml, validate it, then run the
# very ExecStart command line it holds against a throwaway nginx-rtmp and see
# the stream published.
. "$(dirname "$0")/lib.sh"

mk_scratch
ff_pid=
cleanup() {
    [ -n "$ff_pid" ] && kill "$ff_pid" 2>/dev/null
    stop_nginx "$scratch/nginx"
    rm_scratch
}
trap cleanup EXIT

rtmp_port=$(free_port)
stat_port=$(free_port)
unit=$scratch/systemd/vstream-streamer.service
mkdir -p "$scratch/systemd"
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
INV

check "streamer: streamer.yml renders the unit" \
    play "$scratch/run1.log" -i "$scratch/inventory.yml" streamer.yml
check "streamer: the unit restarts ffmpeg whenever it exits" grep -qx 'Restart=always' "$unit"
check "streamer: the unit never gives up restarting" grep -qx 'StartLimitIntervalSec=0' "$unit"
check "streamer: the unit pushes to the frontend's private address" \
    grep -q "rtmp://127.0.0.1:$rtmp_port/live/anstest\$" "$unit"
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

# The command line exactly as systemd would run it (no quoting in it: the
# role only lets through plain words).
cmd=$(sed -n 's/^ExecStart=//p' "$unit")
start_rtmp_nginx "$scratch/nginx" "$rtmp_port" "$stat_port" || not_ok "streamer: start the test nginx"
timeout 30 $cmd >"$scratch/ffmpeg.log" 2>&1 &
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
kill $ff_pid 2>/dev/null; wait $ff_pid 2>/dev/null; ff_pid=
[ -s "$scratch/ffmpeg.log" ] && sed 's/^/#   ffmpeg: /' "$scratch/ffmpeg.log" | head -5

finish
