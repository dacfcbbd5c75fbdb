#!/usr/bin/env bash
# Stream scenarios (issue 13): Tidings against RabbitMQ's streams over AMQP 0-9-1 on this machine,
# plus the logging-queue HTTP API (Tidings only), and a Markdown table of medians and ratios.
# Reuses bench/compare.sh's machinery (install, build, private brokers, CPU/RSS probes, cleanup).
# See bench/README.md ("stream-compare.sh") for what each scenario measures.
#
# Usage: bench/stream-compare.sh [--runs N] [--scenarios st1,st2,st3,st2m,st4] [--brokers tidings,rabbitmq]
#                                [--messages N] [--memory-messages N] [--confirm N] [--prefetch N]
#                                [--http-time S] [--http-clients N] [--warmup-messages N] [--client raw|rabbitmq]
#                                [--out FILE] [--run-dir DIR] [--keep-data] [--tidings-env "NAME=VALUE ..."]
set -euo pipefail

STREAM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Defines compare.sh's functions and settings without running it.
# shellcheck source=bench/compare.sh
source "$STREAM_ROOT/bench/compare.sh"
COMMAND_LINE="$(quote_args "$0" "$@")"
RMQ_EPMD_PORT=0   # set by pick_ports; cleanup may run before it

SCENARIOS="st1,st2,st3,st2m,st4"
MESSAGES=1000000          # st1 publishes this many into the stream; st2 replays them all from first
MEMORY_MESSAGES=1000000   # st2m: this many 1 KiB messages, then one replay from first
CONFIRM=1000              # st1/st2m: at most this many unconfirmed publishes (pipelined)
PREFETCH=1000             # st2/st3/st2m: basic.qos per consumer (the stream's credit)
MULTI_ACK=100             # st2/st3/st2m: basic.ack multiple=true every this many deliveries
ST3_CONSUMERS=10
HTTP_TIME=10              # st4: seconds of produce, then seconds of consume
HTTP_CLIENTS=16           # st4: keep-alive connections
WARMUP_MESSAGES=100000    # per broker start: publish and replay this many on stream "warmup", unmeasured
CLIENT=raw               # the generator's AMQP client for st1-st3/st2m: raw (hand-encoded frames) or rabbitmq
LOGQUEUE_DLL="$ROOT/bench/Tidings.LogQueueBench/bin/Release/net10.0/tidings-logqueuebench.dll"

stream_usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

stream_parse_args() {
  local -a rest=()
  while (($#)); do
    case "$1" in
      --messages) MESSAGES="$2"; shift 2 ;;
      --memory-messages) MEMORY_MESSAGES="$2"; shift 2 ;;
      --confirm) CONFIRM="$2"; shift 2 ;;
      --prefetch) PREFETCH="$2"; shift 2 ;;
      --http-time) HTTP_TIME="$2"; shift 2 ;;
      --http-clients) HTTP_CLIENTS="$2"; shift 2 ;;
      --warmup-messages) WARMUP_MESSAGES="$2"; shift 2 ;;
      --client) CLIENT="$2"; shift 2 ;;
      --scenarios) SCENARIOS="$2"; shift 2 ;;
      --duration|--warmup) die "$1 is compare.sh's; see --help" ;;
      -h|--help) stream_usage 0 ;;
      *) rest+=("$1"); shift ;;
    esac
  done
  local keep="$SCENARIOS"
  # compare.sh's parser checks its own scenario names; give it one and put ours back.
  [[ " ${rest[*]} " == *" --run-dir "* ]] || rest+=(--run-dir "$ROOT/bench/results/stream-$(date -u +%Y%m%dT%H%M%SZ)")
  parse_args --scenarios s1 "${rest[@]}"
  SCENARIOS="$keep"
  local s n
  for s in ${SCENARIOS//,/ }; do [[ "$s" =~ ^(st1|st2|st3|st2m|st4)$ ]] || die "unknown scenario: $s"; done
  for n in MESSAGES MEMORY_MESSAGES CONFIRM PREFETCH HTTP_TIME HTTP_CLIENTS; do
    [[ "${!n}" =~ ^[1-9][0-9]*$ ]] || die "--${n,,} must be a positive integer"
  done
  [[ "$CLIENT" == raw || "$CLIENT" == rabbitmq ]] || die "--client must be raw or rabbitmq"
  [[ "$WARMUP_MESSAGES" =~ ^[0-9]+$ ]] || die "--warmup-messages must be a non-negative integer"
  ((MESSAGES >= ST3_CONSUMERS)) || die "--messages must be at least $ST3_CONSUMERS"
}

has_scenario() { [[ ",$SCENARIOS," == *",$1,"* ]]; }

# compare.sh's build(), but Tidings only when it is measured.
stream_build() {
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  : >"$RUN_DIR/build.log"
  local project
  for project in $(has_broker tidings && echo src/Tidings.Server) bench/Tidings.PerfTest; do
    log "building $project (Release)"
    dotnet build -c Release --nologo -v quiet "$ROOT/$project" >>"$RUN_DIR/build.log" 2>&1 \
      || { tail -30 "$RUN_DIR/build.log" >&2; die "$project build failed (see $RUN_DIR/build.log)"; }
  done
  if has_scenario st4 && has_broker tidings; then
    dotnet build -c Release --nologo -v quiet "$ROOT/bench/Tidings.LogQueueBench" >>"$RUN_DIR/build.log" 2>&1 \
      || { tail -30 "$RUN_DIR/build.log" >&2; die "logging-queue generator build failed (see $RUN_DIR/build.log)"; }
  fi
}

# ---------------------------------------------------------------------------------------------
# Generator flags
# ---------------------------------------------------------------------------------------------
publish_args() {  # publish_args QUEUE COUNT SIZE
  echo "--client $CLIENT --queue-type stream --queue $1 --producers 1 --consumers 0 --size $3 --confirm $CONFIRM --pmessages $2 --time 900"
}
replay_args() {   # replay_args QUEUE CONSUMERS OFFSETS PER-CONSUMER-COUNT
  echo "--client $CLIENT --queue-type stream --queue $1 --producers 0 --consumers $2 --stream-offset $3 --prefetch $PREFETCH --multi-ack $MULTI_ACK --cmessages $4 --time 900"
}
# st3: consumer i starts at i × (messages ÷ 10) and reads messages ÷ 10, so together they read the
# whole stream once, each from its own place.
st3_offsets() {
  local step=$((MESSAGES / ST3_CONSUMERS)) i out=""
  for ((i = 0; i < ST3_CONSUMERS; i++)); do out+="$((i * step)),"; done
  echo "${out%,}"
}

scenario_title() {
  case "$1" in
    st1) echo "st1 publish+confirms into a stream, 128 B" ;;
    st2) echo "st2 1 consumer replays $MESSAGES from first, 128 B" ;;
    st3) echo "st3 $ST3_CONSUMERS consumers replay from $ST3_CONSUMERS offsets, 128 B" ;;
    st2m) echo "st2m replay of $MEMORY_MESSAGES × 1 KiB from first" ;;
    st4) echo "st4 logging-queue HTTP API, $HTTP_CLIENTS keep-alive clients" ;;
  esac
}

scenario_metrics() {
  case "$1" in
    st1) echo "publish_rate" ;;
    st2|st3) echo "consume_rate" ;;
    st2m) echo "consume_rate replay_peak_rss_mib rss_before_replay_mib stream_disk_mib" ;;
    st4) echo "produce_rps consume_rps" ;;
  esac
}

METRIC_LABEL+=(
  [replay_peak_rss_mib]="peak RSS during replay MiB" [rss_before_replay_mib]="RSS before replay MiB"
  [stream_disk_mib]="data directory MiB" [produce_rps]="produce requests/s" [consume_rps]="consume requests/s"
)
METRIC_HIGHER_BETTER+=(
  [replay_peak_rss_mib]=0 [rss_before_replay_mib]=0 [stream_disk_mib]=0 [produce_rps]=1 [consume_rps]=1
)

# ---------------------------------------------------------------------------------------------
# Phases
# ---------------------------------------------------------------------------------------------
# phase DIR NAME TIMEOUT ARGS...: one generator run against the current broker with the broker's
# CPU and the machine's busy time around it; sets PHASE_JSON, PHASE_ERROR and the PHASE_* numbers.
phase() {
  local dir="$1" name="$2" limit="$3"; shift 3
  local c0 m0 t0 rc=0
  PHASE_JSON=""; PHASE_ERROR=""
  c0=$(cpu_ticks "$BROKER_PID"); m0=$(machine_busy_ticks); t0=$(now)
  log "$name: $*"
  run_generator "$dir/$name.out" "$limit" "$@" --label "$name" || rc=$?
  PHASE_WALL=$(awk -v a="$t0" -v b="$(now)" 'BEGIN{print b-a}')
  PHASE_CPU=$(awk -v a="$c0" -v b="$(cpu_ticks "$BROKER_PID")" -v t="$CLK_TCK" 'BEGIN{print (b-a)/t}')
  PHASE_MACHINE=$(awk -v a="$m0" -v b="$(machine_busy_ticks)" -v t="$CLK_TCK" 'BEGIN{print (b-a)/t}')
  ((rc == 0)) || PHASE_ERROR="generator exited with $rc ($(tail -c 300 "$dir/$name.err" 2>/dev/null | tr '\n' ' '))"
  pid_alive "$BROKER_PID" || PHASE_ERROR="${PHASE_ERROR:-broker died}"
  PHASE_JSON="$(generator_json "$dir/$name.out" || true)"
  [[ -n "$PHASE_ERROR" || -n "$PHASE_JSON" ]] || PHASE_ERROR="no JSON result from the generator"
  [[ -z "$PHASE_ERROR" ]]
}

# check_replay EXPECTED: the phase's consumers got EXPECTED deliveries in all, with offsets in
# order and none missing. Forward jumps ("gaps") are reported, not failed: RabbitMQ's osiris gives
# an offset to the tracking chunk it writes at the start of each new segment (500 MB by default),
# so a 1 GiB stream replays with 2 offsets skipped.
check_replay() {
  local consumed bad
  consumed=$(jq '.consumed' <<<"$PHASE_JSON")
  ((consumed >= $1)) || { PHASE_ERROR="only $consumed of $1 delivered"; return 1; }
  bad=$(jq '.stream_offsets | .out_of_order + .missing' <<<"$PHASE_JSON")
  ((bad == 0)) || { PHASE_ERROR="x-stream-offset not in order: $(jq -c '.stream_offsets' <<<"$PHASE_JSON")"; return 1; }
}

check_published() {
  local confirmed; confirmed=$(jq '.confirmed' <<<"$PHASE_JSON")
  ((confirmed >= $1)) || { PHASE_ERROR="only $confirmed of $1 confirmed"; return 1; }
}

# record BROKER SCENARIO RUN ERROR METRICS-JSON [EXTRA-JSON]: one line of raw.jsonl.
record() {
  local broker="$1" sc="$2" run="$3" error="$4" metrics="${5:-"{}"}" extra="${6:-"{}"}"
  [[ -n "$error" ]] && log "$sc-$broker-r$run: FAILED: $error"
  jq -cn --arg broker "$broker" --arg scenario "$sc" --argjson run "$run" \
    --arg status "$([[ -z "$error" ]] && echo ok || echo failed)" --arg error "$error" \
    --argjson gen "${PHASE_JSON:-null}" --argjson wall "${PHASE_WALL:-0}" --argjson cpu "${PHASE_CPU:-0}" \
    --argjson machine "${PHASE_MACHINE:-0}" --arg loadavg "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --argjson metrics "$metrics" --argjson extra "$extra" \
    '{broker:$broker, scenario:$scenario, run:$run, status:$status, error:$error,
      wall_seconds:$wall, broker_cpu_seconds:$cpu, generator_cpu_seconds:($gen.cpu_seconds // 0),
      machine_busy_cpu_seconds:$machine, loadavg_after:$loadavg, generator:$gen, metrics:$metrics} + $extra' \
    >>"$RUN_DIR/raw.jsonl"
}

fail_all() {  # fail_all BROKER RUN ERROR SCENARIO...: record every listed scenario as failed
  local broker="$1" run="$2" error="$3" sc; shift 3
  PHASE_JSON=""; PHASE_WALL=0; PHASE_CPU=0; PHASE_MACHINE=0
  for sc in "$@"; do has_scenario "$sc" && record "$broker" "$sc" "$run" "$error"; done
  return 0
}

warm_up() {
  local dir="$1"
  ((WARMUP_MESSAGES > 0)) || return 0
  # shellcheck disable=SC2046 # the arguments are meant to split
  phase "$dir" warmup-publish 300 $(publish_args warmup "$WARMUP_MESSAGES" 128) \
    && phase "$dir" warmup-replay 300 $(replay_args warmup 1 first "$WARMUP_MESSAGES") \
    || log "warm-up failed: $PHASE_ERROR (measuring anyway)"
}

# st1, st2, st3 on one fresh broker: st1 fills the stream that st2 and st3 replay.
run_replay_scenarios() {
  local broker="$1" run="$2"
  local dir="$RUN_DIR/st123-$broker-r$run" error=""
  mkdir -p "$dir"; BROKER_DIR="$dir"
  log "st1-3 $broker run $run: starting $broker"
  if ! "start_$broker" "$dir"; then fail_all "$broker" "$run" "broker did not start" st1 st2 st3; stop_broker "$dir"; return; fi
  sleep 1
  warm_up "$dir"
  # shellcheck disable=SC2046 # the arguments are meant to split
  if phase "$dir" "st1-$broker-r$run" 960 $(publish_args st "$MESSAGES" 128) && check_published "$MESSAGES"; then
    has_scenario st1 && record "$broker" st1 "$run" "" "$(jq -c '{publish_rate}' <<<"$PHASE_JSON")"
  else
    error="st1 (filling the stream): $PHASE_ERROR"
    has_scenario st1 && record "$broker" st1 "$run" "$PHASE_ERROR"
    fail_all "$broker" "$run" "$error" st2 st3
  fi
  if [[ -z "$error" ]] && has_scenario st2; then
    # shellcheck disable=SC2046
    if phase "$dir" "st2-$broker-r$run" 960 $(replay_args st 1 first "$MESSAGES") && check_replay "$MESSAGES"; then
      record "$broker" st2 "$run" "" "$(jq -c '{consume_rate}' <<<"$PHASE_JSON")"
    else
      record "$broker" st2 "$run" "$PHASE_ERROR"
    fi
  fi
  if [[ -z "$error" ]] && has_scenario st3; then
    local per=$((MESSAGES / ST3_CONSUMERS))
    # shellcheck disable=SC2046
    if phase "$dir" "st3-$broker-r$run" 960 $(replay_args st "$ST3_CONSUMERS" "$(st3_offsets)" "$per") \
        && check_replay $((per * ST3_CONSUMERS)); then
      # Each consumer must have started exactly at its offset.
      local firsts; firsts=$(jq -c '.stream_offsets.first | sort' <<<"$PHASE_JSON")
      if [[ "$firsts" == "[$(st3_offsets)]" ]]; then
        record "$broker" st3 "$run" "" "$(jq -c '{consume_rate}' <<<"$PHASE_JSON")"
      else
        record "$broker" st3 "$run" "consumers started at $firsts, not [$(st3_offsets)]"
      fi
    else
      record "$broker" st3 "$run" "$PHASE_ERROR"
    fi
  fi
  log "st1-3 $broker run $run: stopping $broker"
  stop_broker "$dir"; BROKER_DIR=""
}

# st2m: fill a stream with 1 KiB messages, reset the broker's peak RSS (clear_refs 5), sample RSS
# through one replay from first; the peak is VmHWM after the replay.
run_memory_scenario() {
  local broker="$1" run="$2"
  local dir="$RUN_DIR/st2m-$broker-r$run" rss_before disk peak sampler
  mkdir -p "$dir"; BROKER_DIR="$dir"
  log "st2m $broker run $run: starting $broker"
  if ! "start_$broker" "$dir"; then fail_all "$broker" "$run" "broker did not start" st2m; stop_broker "$dir"; return; fi
  sleep 1
  # shellcheck disable=SC2046
  if ! { phase "$dir" "st2m-fill-$broker-r$run" 960 $(publish_args big "$MEMORY_MESSAGES" 1024) \
         && check_published "$MEMORY_MESSAGES"; }; then
    record "$broker" st2m "$run" "filling: $PHASE_ERROR"
    stop_broker "$dir"; BROKER_DIR=""; return
  fi
  sleep 2
  # Tidings keeps its data in data/, RabbitMQ in mnesia/; du fails on the one that is not there.
  disk=$({ du -sk "$dir/data" "$dir/mnesia" 2>/dev/null || true; } | awk '{s += $1} END {print s / 1024}')
  rss_before=$(rss_kib "$BROKER_PID")
  # Resets VmHWM to the current RSS (Linux ≥ 4.0), so the peak read afterwards is the replay's.
  echo 5 >"/proc/$BROKER_PID/clear_refs" 2>/dev/null || log "cannot reset VmHWM of $BROKER_PID: the peak covers the fill too"
  (while pid_alive "$BROKER_PID"; do printf '%s %s\n' "$(now)" "$(rss_kib "$BROKER_PID")"; sleep 0.5; done) >"$dir/rss.samples" &
  sampler=$!
  # shellcheck disable=SC2046
  phase "$dir" "st2m-$broker-r$run" 960 $(replay_args big 1 first "$MEMORY_MESSAGES") && check_replay "$MEMORY_MESSAGES" || true
  peak=$(hwm_kib "$BROKER_PID")
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  if [[ -z "$PHASE_ERROR" ]]; then
    record "$broker" st2m "$run" "" "$(jq -c --argjson peak "$peak" --argjson before "$rss_before" --argjson disk "$disk" \
      '{consume_rate, replay_peak_rss_mib: ($peak / 1024), rss_before_replay_mib: ($before / 1024), stream_disk_mib: $disk}' <<<"$PHASE_JSON")" \
      "$(jq -cRs '{rss_samples_kib: [split("\n")[] | select(length > 0) | split(" ")[1] | tonumber]}' "$dir/rss.samples")"
  else
    record "$broker" st2m "$run" "$PHASE_ERROR"
  fi
  stop_broker "$dir"; BROKER_DIR=""
}

# st4: the logging-queue API over HTTP/1.1 keep-alive: produce for HTTP_TIME seconds, then consume
# what was produced for HTTP_TIME seconds.
run_http_scenario() {
  local run="$1"
  local dir="$RUN_DIR/st4-tidings-r$run" c0 m0 t0 rc=0
  mkdir -p "$dir"; BROKER_DIR="$dir"
  log "st4 run $run: starting tidings"
  if ! start_tidings "$dir"; then fail_all tidings "$run" "broker did not start" st4; stop_broker "$dir"; return; fi
  sleep 1
  PHASE_JSON=""; PHASE_ERROR=""
  c0=$(cpu_ticks "$BROKER_PID"); m0=$(machine_busy_ticks); t0=$(now)
  timeout -k 10 $((3 * HTTP_TIME + 120)) dotnet "$LOGQUEUE_DLL" --url "http://127.0.0.1:$TIDINGS_HTTP_PORT/logqueue" \
    --clients "$HTTP_CLIENTS" --time "$HTTP_TIME" --warmup 2 --label "st4-r$run" \
    >"$dir/st4.out" 2>"$dir/st4.err" </dev/null &
  GEN_PID=$!
  wait "$GEN_PID" || rc=$?
  GEN_PID=""
  PHASE_WALL=$(awk -v a="$t0" -v b="$(now)" 'BEGIN{print b-a}')
  PHASE_CPU=$(awk -v a="$c0" -v b="$(cpu_ticks "$BROKER_PID")" -v t="$CLK_TCK" 'BEGIN{print (b-a)/t}')
  PHASE_MACHINE=$(awk -v a="$m0" -v b="$(machine_busy_ticks)" -v t="$CLK_TCK" 'BEGIN{print (b-a)/t}')
  PHASE_JSON="$(generator_json "$dir/st4.out" || true)"
  if ((rc != 0)); then PHASE_ERROR="generator exited with $rc ($(tail -c 300 "$dir/st4.err" | tr '\n' ' '))"
  elif [[ -z "$PHASE_JSON" ]]; then PHASE_ERROR="no JSON result from the generator"; fi
  if [[ -z "$PHASE_ERROR" ]]; then
    record tidings st4 "$run" "" "$(jq -c '{produce_rps, consume_rps}' <<<"$PHASE_JSON")"
  else
    record tidings st4 "$run" "$PHASE_ERROR"
  fi
  stop_broker "$dir"; BROKER_DIR=""
}

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
stream_fmt() {
  case "$1" in
    *_mib) [[ -z "$2" || "$2" == null ]] && echo "–" || printf '%.0f' "$2" ;;
    *) fmt "$@" ;;
  esac
}

render_stream_table() {
  local sc metric t r ratio label
  echo "# Streams: Tidings vs RabbitMQ"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- Machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM"
  echo "- Kernel: $(uname -sr); .NET SDK: $(dotnet --version)"
  echo "- RabbitMQ: $(dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null || echo '?'); Erlang/OTP $(cat /usr/lib/erlang/releases/*/OTP_VERSION 2>/dev/null | head -1 || echo '?')"
  echo "- Load average (1/5/15 min) at start: $LOAD_AT_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  local -a others
  mapfile -t others < <(jq -r 'select(.status == "ok" and .wall_seconds > 0)
    | (.machine_busy_cpu_seconds - .broker_cpu_seconds - .generator_cpu_seconds) / .wall_seconds * 100' "$RUN_DIR/raw.jsonl")
  if ((${#others[@]})); then
    local other; other=$(median "${others[@]}")
    echo "- Other processes' CPU during the runs (median): $(printf '%.0f' "$other") % of one core$(
      awk -v o="$other" 'BEGIN {if (o > 25) print " — **the machine was busy with other work; these numbers are disturbed**"}')"
  fi
  echo "- Tidings commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "- Command: \`$COMMAND_LINE\`"
  echo "- Runs per scenario and broker: $RUNS (medians below; every run in the second table)"
  echo "- Generator: bench/Tidings.PerfTest \`--client $CLIENT\` ($([[ "$CLIENT" == raw ]] && echo "hand-encoded AMQP frames on plain sockets; topology declared with RabbitMQ.Client" || echo "RabbitMQ.Client $(sed -n 's/.*RabbitMQ.Client" Version="\([^"]*\)".*/\1/p' "$ROOT/bench/Tidings.PerfTest/Tidings.PerfTest.csproj")")) for st1–st3 and st2m, the same flags for both brokers; bench/Tidings.LogQueueBench for st4"
  echo
  echo "| scenario | metric | Tidings (median) | RabbitMQ (median) | Tidings/RabbitMQ | Tidings broker CPU % | RabbitMQ broker CPU % | generator CPU % (vs Tidings / vs RabbitMQ) |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  for sc in ${SCENARIOS//,/ }; do
    local tcpu rcpu gt gr
    tcpu=$(cpu_cell tidings "$sc" '(.broker_cpu_seconds / .wall_seconds * 100)')
    rcpu=$(cpu_cell rabbitmq "$sc" '(.broker_cpu_seconds / .wall_seconds * 100)')
    gt=$(cpu_cell tidings "$sc" '(.generator_cpu_seconds / .wall_seconds * 100)')
    gr=$(cpu_cell rabbitmq "$sc" '(.generator_cpu_seconds / .wall_seconds * 100)')
    for metric in $(scenario_metrics "$sc"); do
      local -a tvs rvs; local tv rv
      mapfile -t tvs < <(values tidings "$sc" ".metrics.$metric")
      mapfile -t rvs < <(values rabbitmq "$sc" ".metrics.$metric")
      tv=$(median "${tvs[@]}" || true); rv=$(median "${rvs[@]}" || true)
      t=$(median_cell tidings "$sc" ".metrics.$metric" "$metric"); [[ -n "$tv" ]] && t="${t/$(fmt "$metric" "$tv")/$(stream_fmt "$metric" "$tv")}"
      r=$(median_cell rabbitmq "$sc" ".metrics.$metric" "$metric"); [[ -n "$rv" ]] && r="${r/$(fmt "$metric" "$rv")/$(stream_fmt "$metric" "$rv")}"
      has_broker tidings || t="–"
      if [[ "$sc" == st4 ]]; then r="n/a (RabbitMQ has no such API)"; rcpu="–"; gr="–"
      elif ! has_broker rabbitmq; then r="–"; fi
      ratio="–"
      if [[ "$sc" != st4 && -n "$tv" && -n "$rv" ]] && awk -v r="$rv" 'BEGIN{exit !(r != 0)}'; then
        ratio=$(awk -v t="$tv" -v r="$rv" 'BEGIN{printf "%.2f", t / r}')
      fi
      if ((METRIC_HIGHER_BETTER[$metric])); then label="${METRIC_LABEL[$metric]} (higher is better)"
      else label="${METRIC_LABEL[$metric]} (lower is better)"; fi
      echo "| $(scenario_title "$sc") | $label | $t | $r | $ratio | $tcpu | $rcpu | $gt / $gr |"
    done
  done
  echo
  echo "The ratio is Tidings ÷ RabbitMQ. CPU % is CPU time ÷ wall time × 100 over that scenario's generator run (100 = one full core; this machine has $(nproc)); the generator shares the machine with the broker."
  echo
  echo "## CPU per message (medians)"
  echo
  echo "Broker CPU seconds and generator CPU seconds over the scenario ÷ messages confirmed (st1) or delivered (st2, st3, st2m), in µs. The generator's figure includes its own start-up (process, JIT, topology declare: a few hundred ms in all)."
  echo
  echo "| scenario | Tidings broker µs/msg | generator µs/msg (vs Tidings) | RabbitMQ broker µs/msg | generator µs/msg (vs RabbitMQ) |"
  echo "|---|---:|---:|---:|---:|"
  local per_msg='((.generator.confirmed // 0) + (.generator.consumed // 0)) as $n | select($n > 0)'
  for sc in ${SCENARIOS//,/ }; do
    [[ "$sc" == st4 ]] && continue
    local -a cells=()
    for b in tidings rabbitmq; do
      local -a bv gv
      mapfile -t bv < <(values "$b" "$sc" "$per_msg | .broker_cpu_seconds * 1e6 / \$n")
      mapfile -t gv < <(values "$b" "$sc" "$per_msg | .generator_cpu_seconds * 1e6 / \$n")
      if ((${#bv[@]})); then cells+=("$(printf '%.2f' "$(median "${bv[@]}")")" "$(printf '%.2f' "$(median "${gv[@]}")")")
      else cells+=("–" "–"); fi
    done
    echo "| $sc | ${cells[0]} | ${cells[1]} | ${cells[2]} | ${cells[3]} |"
  done
  if has_scenario st4; then
    local -a pv cv
    mapfile -t pv < <(values tidings st4 '.broker_cpu_seconds')
    mapfile -t cv < <(values tidings st4 '.generator_cpu_seconds')
    ((${#pv[@]})) && echo "| st4 (produce + consume phases, incl. warm-ups) | broker $(printf '%.1f' "$(median "${pv[@]}")") s CPU | generator $(printf '%.1f' "$(median "${cv[@]}")") s CPU | n/a | n/a |"
  fi
  echo
  echo "## Every run"
  echo
  echo "| scenario | metric | broker | $(seq -s ' | ' 1 "$RUNS" | sed 's/[0-9]\+/run &/g') |"
  echo "|---|---|---|$(printf -- '---:|%.0s' $(seq 1 "$RUNS"))"
  local b rr
  for sc in ${SCENARIOS//,/ }; do
    for metric in $(scenario_metrics "$sc") broker_cpu generator_cpu other_cpu; do
      for b in ${BROKERS//,/ }; do
        [[ "$sc" == st4 && "$b" != tidings ]] && continue
        local row="| $sc | ${METRIC_LABEL[$metric]:-${metric/_cpu/} CPU %} | $b |"
        for ((rr = 1; rr <= RUNS; rr++)); do
          local cell
          cell=$(jq -r --arg b "$b" --arg s "$sc" --argjson r "$rr" --arg m "$metric" '
            select(.broker == $b and .scenario == $s and .run == $r)
            | if .status != "ok" then "failed"
              elif $m == "broker_cpu" then (.broker_cpu_seconds / .wall_seconds * 100)
              elif $m == "generator_cpu" then (.generator_cpu_seconds / .wall_seconds * 100)
              elif $m == "other_cpu" then ((.machine_busy_cpu_seconds - .broker_cpu_seconds
                                            - .generator_cpu_seconds) / .wall_seconds * 100)
              else .metrics[$m] end' "$RUN_DIR/raw.jsonl" | head -1)
          [[ "$cell" == failed ]] || cell=$(stream_fmt "$metric" "$cell")
          row="$row ${cell:-–} |"
        done
        echo "$row"
      done
    done
  done
  echo
  echo "## Notes"
  echo
  echo "- Each broker starts afresh per run with an empty data directory, loopback, defaults (compare.sh's setup: Tidings built-in defaults; RabbitMQ a rabbitmq.conf with only the listener, no plugins — streams over AMQP need none in 3.9+)."
  echo "- Before measuring, each fresh broker gets a warm-up: $WARMUP_MESSAGES × 128 B published with confirms to stream \`warmup\` and replayed once from first (unmeasured)."
  echo "- st1: one producer publishes $MESSAGES × 128 B to the stream \`st\` (declared durable with x-queue-type=stream) through the default exchange with publisher confirms, at most $CONFIRM unconfirmed; the rate is confirmed messages ÷ (first publish → last confirm)."
  echo "- st2: one consumer, x-stream-offset=first, basic.qos $PREFETCH, ack multiple=true every $MULTI_ACK, reads all $MESSAGES of st1's stream on the same broker; every delivery's x-stream-offset header is checked (in order, none missing) or the run counts as failed; forward jumps are counted in raw.jsonl (\`stream_offsets.gaps\`: RabbitMQ skips one offset per new 500 MB segment)."
  echo "- st3: $ST3_CONSUMERS consumers on their own connections at x-stream-offset $(st3_offsets) each read $((MESSAGES / ST3_CONSUMERS)) concurrently (the whole stream once in all); rate = all deliveries ÷ (first delivery → last delivery); each consumer's first offset is checked."
  echo "- st2m: $MEMORY_MESSAGES × 1 KiB published with confirms to stream \`big\`, then VmHWM reset (\`echo 5 > /proc/PID/clear_refs\`) and one consumer replays all from first; \"peak RSS during replay\" is VmHWM afterwards (RSS counts file pages the broker has mapped, not the kernel's page cache of files it read). RSS samples every 0.5 s are in raw.jsonl (\`rss_samples_kib\`)."
  echo "- st4: Tidings only — RabbitMQ has no logging-queue HTTP API. $HTTP_CLIENTS HTTP/1.1 keep-alive connections (bench/Tidings.LogQueueBench, one request in flight per connection) send \`POST /logqueue/producer/produce\` for ${HTTP_TIME}s, then \`GET /logqueue/consumer/consume\` (JSON body) for ${HTTP_TIME}s, each connection as its own registered producer/consumer on one topic; requests/s counts successful answers only."
  echo "- Raw records: \`raw.jsonl\` in the run directory; generator output per phase beside it."
}

# ---------------------------------------------------------------------------------------------
stream_main() {
  stream_parse_args "$@"
  trap cleanup EXIT
  trap 'on_signal 130' INT
  trap 'on_signal 143' TERM
  log "run directory: $RUN_DIR"
  ensure_tools
  stream_build
  pick_ports
  has_broker rabbitmq && write_rabbit_config
  : >"$RUN_DIR/raw.jsonl"
  local run b
  for ((run = 1; run <= RUNS; run++)); do
    for b in ${BROKERS//,/ }; do
      if has_scenario st1 || has_scenario st2 || has_scenario st3; then run_replay_scenarios "$b" "$run"; fi
      if has_scenario st2m; then run_memory_scenario "$b" "$run"; fi
      if has_scenario st4 && [[ "$b" == tidings ]]; then run_http_scenario "$run"; fi
    done
  done
  stop_epmd
  render_stream_table >"$OUT"
  cat "$OUT"
  log "results: $OUT (raw: $RUN_DIR/raw.jsonl)"
}

# Sourcing the file (for testing single functions, or re-rendering a run's table) defines everything without running.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then stream_main "$@"; fi
