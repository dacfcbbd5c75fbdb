#!/usr/bin/env bash
# Publish storm against a Tidings broker with a small memory high watermark: how far the broker's
# RSS overshoots the limit, how soon publishers are blocked, and what is left after the backlog
# drains. See bench/README.md ("memory-watermark.sh").
#
# Usage: bench/memory-watermark.sh [--runs N] [--limit BYTES] [--duration S] [--out FILE]
#                                  [--run-dir DIR] [--tidings-env "NAME=VALUE ..."] [--no-build]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMMAND_LINE="$0 $*"

RUNS=3
LIMIT=200000000          # bytes, as Tidings:MemoryHighWatermarkBytes
DURATION=10              # seconds of storm
SETTLE=10                # seconds after the drain before "RSS after drain" is taken
OUT=""
RUN_DIR=""
BUILD=1
TIDINGS_ENV=()

TIDINGS_DLL="$ROOT/src/Tidings.Server/bin/Release/net10.0/tidings.dll"
PERFTEST_DLL="$ROOT/bench/Tidings.PerfTest/bin/Release/net10.0/tidings-perftest.dll"

# The storm: every group is one generator process with its own connections, no consumers.
# name|size|producers|flags
STORM=(
  "t1m|1048576|2|"
  "t64k|65536|2|"
  "p1m|1048576|1|--durable --persistent"
  "p64k|65536|1|--durable --persistent"
)

# Only what this script started, so the trap stops exactly that.
TIDINGS_PID=""
GEN_PIDS=()
SAMPLER_PID=""
ALARM_PID=""

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while (($#)); do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --limit) LIMIT="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --run-dir) RUN_DIR="$2"; shift 2 ;;
    --tidings-env) read -r -a TIDINGS_ENV <<<"$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage 0 ;;
    *) log "unknown option: $1"; usage 2 ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
[[ "$LIMIT" =~ ^[1-9][0-9]*$ ]] || die "--limit must be a positive integer (bytes)"
[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "--duration must be a positive integer"
command -v jq >/dev/null || die "jq is needed"
command -v curl >/dev/null || die "curl is needed"
RUN_DIR="${RUN_DIR:-$ROOT/bench/results/memory-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
OUT="${OUT:-$RUN_DIR/results.md}"

# ---- process helpers (as in compare.sh) ----
pid_alive() {
  [[ -n "$1" && -r "/proc/$1/stat" ]] || return 1
  local stat; stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]]
}
pid_matches() { pid_alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"; }
kill_pid() {
  local pid="$1" marker="$2" grace="${3:-15}" i
  pid_matches "$pid" "$marker" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do pid_alive "$pid" || return 0; sleep 0.1; done
  if pid_matches "$pid" "$marker"; then kill -KILL "$pid" 2>/dev/null || true; fi
}
port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
pick_ports() {
  local base=$((21000 + ($$ % 500) * 4)) tries
  for ((tries = 0; tries < 500; tries++)); do
    port_free "$base" && port_free $((base + 1)) && break
    base=$((base + 4)); ((base + 4 < 32000)) || base=21000
  done
  AMQP_PORT=$base; HTTP_PORT=$((base + 1))
}
kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
now_ms() { date +%s%3N; }
alarm_on() { [[ "$(curl -s -o /dev/null -w '%{http_code}' -u guest:guest "http://127.0.0.1:$HTTP_PORT/api/health/checks/alarms")" == 503 ]]; }
api() { curl -sf -u guest:guest "http://127.0.0.1:$HTTP_PORT/api/$1"; }

cleanup() {
  trap - EXIT INT TERM
  local p
  for p in "${GEN_PIDS[@]}"; do kill_pid "$p" "$PERFTEST_DLL" 5; done
  GEN_PIDS=()
  for p in "$SAMPLER_PID" "$ALARM_PID"; do
    [[ -n "$p" ]] && { kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; }
  done
  SAMPLER_PID=""; ALARM_PID=""
  [[ -n "$TIDINGS_PID" ]] && { kill_pid "$TIDINGS_PID" "$TIDINGS_DLL" 30; wait "$TIDINGS_PID" 2>/dev/null || true; TIDINGS_PID=""; }
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

if ((BUILD)); then
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  log "building Tidings and the load generator (Release)"
  { dotnet build -c Release --nologo -v quiet "$ROOT/src/Tidings.Server" &&
    dotnet build -c Release --nologo -v quiet "$ROOT/bench/Tidings.PerfTest"; } >"$RUN_DIR/build.log" 2>&1 \
    || { tail -30 "$RUN_DIR/build.log" >&2; die "build failed (see $RUN_DIR/build.log)"; }
fi
[[ -f "$TIDINGS_DLL" && -f "$PERFTEST_DLL" ]] || die "missing $TIDINGS_DLL or $PERFTEST_DLL"

# run_once N: one fresh broker, storm, drain; prints one JSON object.
run_once() {
  local run="$1" dir="$RUN_DIR/r$1" i g name size producers flags
  mkdir -p "$dir/data"
  pick_ports
  # Started from its own folder so the repository's tidings.json is not read.
  (cd "$dir" && exec env "${TIDINGS_ENV[@]}" TIDINGS__MEMORYHIGHWATERMARKBYTES="$LIMIT" setsid dotnet "$TIDINGS_DLL" serve \
      --data-dir "$dir/data" --amqp-port "$AMQP_PORT" --http-port "$HTTP_PORT" --log-level warning \
      >"$dir/tidings.out" 2>&1 </dev/null) &
  TIDINGS_PID=$!
  for ((i = 0; i < 600; i++)); do
    pid_alive "$TIDINGS_PID" || { tail -20 "$dir/tidings.out" >&2; die "broker exited"; }
    port_open "$AMQP_PORT" && port_open "$HTTP_PORT" && break
    sleep 0.1
  done
  sleep 1
  local idle; idle=$(kib "$TIDINGS_PID" VmRSS)

  # RSS sampled every 100 ms for the whole run (VmHWM gives the true peak; the samples the shape).
  (while pid_alive "$TIDINGS_PID"; do echo "$(now_ms) $(kib "$TIDINGS_PID" VmRSS)"; sleep 0.1; done) >"$dir/rss.log" &
  SAMPLER_PID=$!

  log "r$run: storm for ${DURATION}s (limit $LIMIT bytes, broker pid $TIDINGS_PID)"
  local t0 tblock; t0=$(now_ms)
  for g in "${STORM[@]}"; do
    IFS='|' read -r name size producers flags <<<"$g"
    # shellcheck disable=SC2086 # flags split on purpose
    timeout -k 5 $((DURATION + 20)) dotnet "$PERFTEST_DLL" --uri "amqp://guest:guest@127.0.0.1:$AMQP_PORT/" \
      --queue "storm-$name" --producers "$producers" --consumers 0 --size "$size" $flags --time "$DURATION" \
      --json-only >"$dir/gen-$name.out" 2>"$dir/gen-$name.err" </dev/null &
    GEN_PIDS+=($!)
  done
  # The alarm health check polled in the background: its first 503 is the time to block.
  (while pid_alive "$TIDINGS_PID"; do alarm_on && echo "$(now_ms) on" || echo "$(now_ms) off"; sleep 0.05; done) >"$dir/alarm.log" &
  ALARM_PID=$!
  sleep "$DURATION"
  # Blocked publishers do not notice --time while their writes wait on the socket; stop them.
  for i in "${!GEN_PIDS[@]}"; do kill_pid "${GEN_PIDS[$i]}" "$PERFTEST_DLL" 5; wait "${GEN_PIDS[$i]}" 2>/dev/null || true; done
  GEN_PIDS=()
  local storm_hwm storm_rss; storm_hwm=$(kib "$TIDINGS_PID" VmHWM); storm_rss=$(kib "$TIDINGS_PID" VmRSS)
  local backlog; backlog=$(api queues | jq '[.[] | .message_bytes // 0] | add // 0')
  api queues | jq -c '[.[] | {name, messages, message_bytes}]' >"$dir/backlog.json"
  tblock=$(awk -v t0="$t0" '$2 == "on" {print $1 - t0; exit}' "$dir/alarm.log")

  # Drain until empty: publishes a blocked connection had already sent reach the queues once
  # the alarm clears, so one count is not enough.
  local round n
  for ((round = 1; round <= 5; round++)); do
    log "r$run: draining $(api queues | jq '[.[] | .messages // 0] | add // 0') messages (round $round)"
    for g in "${STORM[@]}"; do
      IFS='|' read -r name size producers flags <<<"$g"
      n=$(api "queues/%2F/storm-$name" | jq '.messages // 0')
      ((n > 0)) || continue
      # shellcheck disable=SC2086
      timeout -k 5 120 dotnet "$PERFTEST_DLL" --uri "amqp://guest:guest@127.0.0.1:$AMQP_PORT/" \
        --queue "storm-$name" --producers 0 --consumers 1 --size "$size" $flags --cmessages "$n" --time 110 \
        --json-only >>"$dir/drain-$name.out" 2>>"$dir/drain-$name.err" </dev/null &
      GEN_PIDS+=($!)
    done
    ((${#GEN_PIDS[@]} > 0)) || break
    for i in "${!GEN_PIDS[@]}"; do wait "${GEN_PIDS[$i]}" 2>/dev/null || true; done
    GEN_PIDS=()
  done
  local left; left=$(api queues | jq '[.[] | .messages // 0] | add // 0')
  sleep "$SETTLE"
  local after alarm_after=false; after=$(kib "$TIDINGS_PID" VmRSS)
  alarm_on && alarm_after=true
  local hwm; hwm=$(kib "$TIDINGS_PID" VmHWM)

  kill "$SAMPLER_PID" "$ALARM_PID" 2>/dev/null || true; wait "$SAMPLER_PID" "$ALARM_PID" 2>/dev/null || true
  SAMPLER_PID=""; ALARM_PID=""
  kill_pid "$TIDINGS_PID" "$TIDINGS_DLL" 30; wait "$TIDINGS_PID" 2>/dev/null || true; TIDINGS_PID=""
  rm -rf "$dir/data"

  jq -nc --argjson run "$run" --argjson limit "$LIMIT" --argjson idle "$idle" --argjson hwm "$hwm" \
    --argjson storm_hwm "$storm_hwm" --argjson storm_rss "$storm_rss" --argjson after "$after" \
    --argjson block "${tblock:-null}" --argjson backlog "$backlog" --argjson left "$left" \
    --argjson alarm_after "$alarm_after" '{
      run: $run, limit_bytes: $limit, idle_rss_kib: $idle, peak_rss_kib: $hwm,
      peak_over_limit: (($hwm * 1024) / $limit), rss_at_storm_end_kib: $storm_rss,
      ms_to_block: $block, backlog_bytes: $backlog, messages_left: $left,
      rss_after_drain_kib: $after, alarm_after_drain: $alarm_after }'
}

: >"$RUN_DIR/raw.jsonl"
for ((r = 1; r <= RUNS; r++)); do
  run_once "$r" | tee -a "$RUN_DIR/raw.jsonl" >&2
done

median() { jq -s "map($1) | sort | if length == 0 then null else .[(length - 1) / 2 | floor] end" "$RUN_DIR/raw.jsonl"; }
{
  echo "# Memory watermark under a publish storm"
  echo
  echo "\`$COMMAND_LINE\` at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "Limit $LIMIT bytes ($((LIMIT / 1048576)) MiB). Storm: ${DURATION}s, no consumers; 2 producers × 1 MiB and 2 × 64 KiB transient, 1 × 1 MiB and 1 × 64 KiB persistent on durable queues. Then one consumer per queue drains it; RSS after drain is taken ${SETTLE}s later."
  echo
  echo "| median of $RUNS | value |"
  echo "| --- | --- |"
  echo "| peak RSS (VmHWM) MiB | $(median '.peak_rss_kib / 1024 | floor') |"
  echo "| peak RSS ÷ limit | $(median '.peak_over_limit * 100 | round / 100') |"
  echo "| time to block (alarm health check 503) ms | $(median '.ms_to_block') |"
  echo "| backlog at storm end MiB | $(median '.backlog_bytes / 1048576 | floor') |"
  echo "| RSS after drain MiB | $(median '.rss_after_drain_kib / 1024 | floor') |"
  echo "| alarm still on after drain (runs) | $(jq -s 'map(select(.alarm_after_drain)) | length' "$RUN_DIR/raw.jsonl") of $RUNS |"
  echo
  echo "Every run: \`$RUN_DIR/raw.jsonl\`."
} | tee "$OUT"
