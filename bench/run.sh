#!/usr/bin/env bash
# make bench (after make module tools): the measurements of bench/bench.py.
# Options pass through, e.g. bench/run.sh --only status --status-streams 1000
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
exec python3 "$top/bench/bench.py" "$@"
