#!/usr/bin/env bash
# Runs the SQS scenarios (standard, fifo, wakeup) of bench/Tidings.SqsBench against the SQS emulator
# bench/sqs-peer (local-aws-sqs, started here on a spare port and stopped at the end) and, with
# --tidings-endpoint, against a Tidings that is already running; prints a Markdown table.
#
# Usage: bench/sqs-compare.sh [--tidings-endpoint URL] [--tidings-pid PID] [--seconds S]
#                             [--senders N] [--receivers N] [--scenarios standard,fifo,wakeup]
#                             [--peer-port PORT] [--no-peer] [--out FILE]
#   --tidings-pid: the Tidings server's process id, to report its CPU time over each run
#   The server CPU column is utime+stime from /proc/PID/stat over the run; the generator's own CPU
#   is what it reports. Raw JSON lines of each run go to stderr.
# Exit 0 when every run exited 0, 1 otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_RUN=10
SENDERS=4
RECEIVERS=4
SCENARIOS="standard,fifo,wakeup"
PEER_PORT=19324
USE_PEER=1
TIDINGS_ENDPOINT=""
TIDINGS_PID=""
OUT=""
BENCH_DLL="$ROOT/bench/Tidings.SqsBench/bin/Release/net10.0/tidings-sqsbench.dll"
CLK_TCK="$(getconf CLK_TCK)"
PEER_PID=""

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

while (($#)); do
  case "$1" in
    --tidings-endpoint) TIDINGS_ENDPOINT="$2"; shift 2 ;;
    --tidings-pid) TIDINGS_PID="$2"; shift 2 ;;
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --senders) SENDERS="$2"; shift 2 ;;
    --receivers) RECEIVERS="$2"; shift 2 ;;
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --peer-port) PEER_PORT="$2"; shift 2 ;;
    --no-peer) USE_PEER=0; shift ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1" ;;
  esac
done

cleanup() {
  if [ -n "$PEER_PID" ]; then
    kill "$PEER_PID" 2>/dev/null || true
    wait "$PEER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

cpu_ticks() {  # utime+stime of a process in clock ticks (fields 14 and 15 of /proc/PID/stat)
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || { echo ""; return; }
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

log "building bench/Tidings.SqsBench (Release)"
dotnet build "$ROOT/bench/Tidings.SqsBench/Tidings.SqsBench.csproj" -c Release -v quiet -nologo >/dev/null \
  || die "build failed"

targets=()
if [ "$USE_PEER" -eq 1 ]; then
  "$ROOT/bench/sqs-peer/start.sh" "$PEER_PORT" > /tmp/sqs-peer.$$.log 2>&1 &
  PEER_PID=$!
  for _ in $(seq 1 100); do
    grep -q 'listening' /tmp/sqs-peer.$$.log 2>/dev/null && break
    kill -0 "$PEER_PID" 2>/dev/null || die "sqs-peer exited: $(cat /tmp/sqs-peer.$$.log)"
    sleep 0.1
  done
  grep -q 'listening' /tmp/sqs-peer.$$.log || die "sqs-peer did not start"
  # start.sh execs node, so its pid is the emulator's.
  targets+=("local-aws-sqs|http://127.0.0.1:$PEER_PORT|$PEER_PID")
fi
if [ -n "$TIDINGS_ENDPOINT" ]; then
  targets+=("tidings|$TIDINGS_ENDPOINT|$TIDINGS_PID")
fi
[ "${#targets[@]}" -gt 0 ] || die "nothing to run: --no-peer and no --tidings-endpoint"

table="| server | scenario | sent msg/s | received msg/s | deleted msg/s | p50 ms | p99 ms | server CPU s | generator CPU s | errors | throttled |
|---|---|---|---|---|---|---|---|---|---|---|"
status=0
IFS=',' read -r -a scenario_list <<< "$SCENARIOS"
for target in "${targets[@]}"; do
  IFS='|' read -r server endpoint pid <<< "$target"
  for scenario in "${scenario_list[@]}"; do
    log "$server $scenario: $SECONDS_PER_RUN s, $SENDERS senders, $RECEIVERS receivers"
    before="$(cpu_ticks "$pid")"
    set +e
    output="$(dotnet "$BENCH_DLL" --endpoint "$endpoint" --scenario "$scenario" --seconds "$SECONDS_PER_RUN" \
      --senders "$SENDERS" --receivers "$RECEIVERS")"
    rc=$?
    set -e
    after="$(cpu_ticks "$pid")"
    [ "$rc" -eq 0 ] || status=1
    json="$(printf '%s\n' "$output" | tail -n 1)"
    printf '%s %s %s\n' "$server" "$scenario" "$json" >&2
    server_cpu="n/a"
    if [ -n "$before" ] && [ -n "$after" ]; then
      server_cpu="$(awk -v a="$after" -v b="$before" -v t="$CLK_TCK" 'BEGIN { printf "%.2f", (a - b) / t }')"
    fi
    row="$(/usr/bin/python3 -c '
import json, sys
try:
    r = json.loads(sys.argv[1])
except ValueError:
    print("| %s | %s | failed (exit %s) | | | | | | | | |" % (sys.argv[2], sys.argv[3], sys.argv[5])); sys.exit()
p = lambda k: ("%.2f" % r[k]) if k in r else "-"
print("| %s | %s | %.0f | %.0f | %.0f | %s | %s | %s | %.2f | %d | %d |" % (sys.argv[2], sys.argv[3], r["sent_per_s"], r["received_per_s"],
      r["deleted_per_s"], p("p50_ms"), p("p99_ms"), sys.argv[4], r["cpu_seconds"], r["errors"], r.get("throttled", 0)))
' "$json" "$server" "$scenario" "$server_cpu" "$rc")"
    table="$table
$row"
  done
done

header="SQS benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $SECONDS_PER_RUN s per run, $SENDERS senders, $RECEIVERS receivers (wakeup: 1 and 1), $(nproc) cores"
printf '%s\n\n%s\n' "$header" "$table"
if [ -n "$OUT" ]; then
  printf '%s\n\n%s\n' "$header" "$table" > "$OUT"
fi
rm -f /tmp/sqs-peer.$$.log
exit "$status"
