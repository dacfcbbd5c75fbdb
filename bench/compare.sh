#!/usr/bin/env bash
# Runs the same AMQP load scenarios against Tidings and RabbitMQ on this machine and writes a
# Markdown comparison table. See bench/README.md for what each scenario measures.
#
# Usage: bench/compare.sh [--runs N] [--duration S] [--warmup S] [--scenarios s1,s2,...]
#                         [--brokers tidings,rabbitmq] [--out FILE] [--run-dir DIR] [--keep-data]
#                         [--tidings-env "NAME=VALUE ..."]
set -euo pipefail

# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The command line as typed, quoting only the arguments that need it.
quote_args() {
  local a out=""
  for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_./,=:@%+-]+$ ]]; then out+="$a "; else out+="$(printf '%q' "$a") "; fi
  done
  printf '%s' "${out% }"
}
COMMAND_LINE="$(quote_args "$0" "$@")"
LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg)"

RUNS=3
DURATION=10
# s1–s4 first run this many seconds at 5,000 msg/s on their own queues, unmeasured: a freshly
# started .NET process runs unoptimised (tier-0) code for its first seconds, which showed as
# tens of milliseconds of s4 tail latency. RabbitMQ gets the same warm-up.
WARMUP=5
SCENARIOS="s1,s2,s3,s4,s5,s6"
TIDINGS_ENV=()
BROKERS="tidings,rabbitmq"
OUT=""
RUN_DIR=""
KEEP_DATA=0

TIDINGS_DLL="$ROOT/src/Tidings.Server/bin/Release/net10.0/tidings.dll"
PERFTEST_DLL="$ROOT/bench/Tidings.PerfTest/bin/Release/net10.0/tidings-perftest.dll"
RABBIT_BIN=/usr/lib/rabbitmq/bin   # the real scripts; /usr/sbin/* would su to the rabbitmq user
IDLE_CONNECTIONS=1000
S6_MESSAGES=500000
CLK_TCK="$(getconf CLK_TCK)"
NODE_NAME="tidingsbench-$$@localhost"

# What is running right now, so the trap can stop exactly that and nothing else.
TIDINGS_PID=""
RMQ_WRAPPER_PID=""
RMQ_BEAM_PID=""
EPMD_PID=""
GEN_PID=""
CURRENT_BROKER=""   # tidings|rabbitmq while one is up
BROKER_PID=""       # the process whose CPU and memory are measured (dotnet / beam.smp)

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

parse_args() {
  while (($#)); do
    case "$1" in
      --runs) RUNS="$2"; shift 2 ;;
      --duration) DURATION="$2"; shift 2 ;;
      --warmup) WARMUP="$2"; shift 2 ;;
      --scenarios) SCENARIOS="$2"; shift 2 ;;
      --brokers) BROKERS="$2"; shift 2 ;;
      --out) OUT="$2"; shift 2 ;;
      --run-dir) RUN_DIR="$2"; shift 2 ;;
      --keep-data) KEEP_DATA=1; shift ;;
      # Environment for the Tidings broker only (runtime tuning experiments), e.g.
      # --tidings-env "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0".
      --tidings-env) read -r -a TIDINGS_ENV <<<"$2"; shift 2 ;;
      -h|--help) usage 0 ;;
      *) log "unknown option: $1"; usage 2 ;;
    esac
  done
  [[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
  [[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "--duration must be a positive integer"
  [[ "$WARMUP" =~ ^[0-9]+$ ]] || die "--warmup must be a non-negative integer"
  local s b
  for s in ${SCENARIOS//,/ }; do [[ "$s" =~ ^s[1-6]$ ]] || die "unknown scenario: $s"; done
  for b in ${BROKERS//,/ }; do [[ "$b" == tidings || "$b" == rabbitmq ]] || die "unknown broker: $b"; done
  RUN_DIR="${RUN_DIR:-$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}"
  mkdir -p "$RUN_DIR"
  RUN_DIR="$(cd "$RUN_DIR" && pwd)"
  OUT="${OUT:-$RUN_DIR/results.md}"
}

has_broker() { [[ ",$BROKERS," == *",$1,"* ]]; }

# ---------------------------------------------------------------------------------------------
# Prerequisites and build
# ---------------------------------------------------------------------------------------------
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  log "installing $* with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2
}

ensure_tools() {
  command -v jq >/dev/null || apt_install jq
  if has_broker rabbitmq && [[ ! -x "$RABBIT_BIN/rabbitmq-server" ]]; then
    apt_install rabbitmq-server
  fi
  # Debian's package starts a system node on install where systemd/invoke-rc.d can; we never
  # touch that node, we run our own with its own name, ports, epmd and data.
}

build() {
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  log "building Tidings and the load generator (Release)"
  dotnet build -c Release --nologo -v quiet "$ROOT/src/Tidings.Server" >"$RUN_DIR/build.log" 2>&1 \
    || { tail -30 "$RUN_DIR/build.log" >&2; die "Tidings build failed (see $RUN_DIR/build.log)"; }
  dotnet build -c Release --nologo -v quiet "$ROOT/bench/Tidings.PerfTest" >>"$RUN_DIR/build.log" 2>&1 \
    || { tail -30 "$RUN_DIR/build.log" >&2; die "load generator build failed (see $RUN_DIR/build.log)"; }
  [[ -f "$TIDINGS_DLL" ]] || die "missing $TIDINGS_DLL"
  [[ -f "$PERFTEST_DLL" ]] || die "missing $PERFTEST_DLL"
}

# ---------------------------------------------------------------------------------------------
# Process helpers
# ---------------------------------------------------------------------------------------------
# Alive and not a zombie (a zombie still answers kill -0).
pid_alive() {
  [[ -n "$1" && -r "/proc/$1/stat" ]] || return 1
  local stat; stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]]
}

# True if the process' command line contains the given text: we only ever signal a PID after
# checking it is still the process we started (PIDs get reused).
pid_matches() {
  pid_alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# kill_pid PID MARKER [SECONDS]: TERM, wait, then KILL; only if the PID still is ours.
kill_pid() {
  local pid="$1" marker="$2" grace="${3:-15}" i
  pid_matches "$pid" "$marker" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do pid_alive "$pid" || return 0; sleep 0.1; done
  log "pid $pid did not stop after ${grace}s, killing it"
  if pid_matches "$pid" "$marker"; then kill -KILL "$pid" 2>/dev/null || true; fi
}

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# Picks a block of 16 consecutive free ports below the kernel's ephemeral range (32768+), so
# neither our listeners nor rabbitmqctl's distribution ports race with outgoing connections.
pick_ports() {
  local base=$((20000 + ($$ % 700) * 16)) tries p ok
  for ((tries = 0; tries < 700; tries++)); do
    ok=1
    for ((p = base; p < base + 16; p++)); do port_free "$p" || { ok=0; break; }; done
    if ((ok)); then break; fi
    base=$((base + 16)); ((base + 16 < 32000)) || base=20000
  done
  ((ok)) || die "no free block of ports found"
  TIDINGS_AMQP_PORT=$base
  TIDINGS_HTTP_PORT=$((base + 1))
  RMQ_AMQP_PORT=$((base + 2))
  RMQ_DIST_PORT=$((base + 3))
  RMQ_EPMD_PORT=$((base + 4))
  RMQ_CTL_PORT_MIN=$((base + 5))
  RMQ_CTL_PORT_MAX=$((base + 15))
}

# Resident set and its high-water mark of a process, in KiB.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# utime + stime of a process (all its threads), in clock ticks. Fields counted after the
# ")" that ends the command name, which may itself contain spaces.
cpu_ticks() {
  local stat; stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  stat="${stat##*) }"
  awk '{print $12 + $13}' <<<"$stat"
}

# CPU time the whole machine spent busy, in clock ticks: user nice system steal from /proc/stat
# (irq/softirq left out: loopback TCP work of the benchmark itself is counted there). Minus broker
# and generator it shows what else ran meanwhile.
machine_busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $9; exit}' /proc/stat; }

now() { date +%s.%N; }

# ---------------------------------------------------------------------------------------------
# Brokers
# ---------------------------------------------------------------------------------------------
# start_tidings DIR: a fresh broker with its data under DIR; sets BROKER_PID.
start_tidings() {
  local dir="$1" i
  mkdir -p "$dir/data"
  # Started from its own folder so the repo's tidings.json is not picked up: built-in defaults
  # (memory high watermark 1 GiB) as a user would get them. setsid keeps a terminal Ctrl+C
  # from reaching it directly; the trap stops it in order instead.
  (cd "$dir" && exec env "${TIDINGS_ENV[@]}" setsid dotnet "$TIDINGS_DLL" serve --data-dir "$dir/data" \
      --amqp-host 127.0.0.1 --amqp-port "$TIDINGS_AMQP_PORT" \
      --http-host 127.0.0.1 --http-port "$TIDINGS_HTTP_PORT" --log-level warning \
      >"$dir/tidings.out" 2>&1 </dev/null) &
  TIDINGS_PID=$!
  CURRENT_BROKER=tidings
  for ((i = 0; i < 600; i++)); do
    pid_alive "$TIDINGS_PID" || { tail -20 "$dir/tidings.out" >&2; return 1; }
    if port_open "$TIDINGS_AMQP_PORT"; then BROKER_PID=$TIDINGS_PID; return 0; fi
    sleep 0.1
  done
  log "tidings did not open port $TIDINGS_AMQP_PORT within 60s"
  return 1
}

# The environment every rabbitmq script sees: private node name, ports, epmd, files and cookie.
rabbit_env() {
  local dir="$1"
  export HOME="$RUN_DIR/rabbitmq-home"   # private .erlang.cookie
  export RABBITMQ_NODENAME="$NODE_NAME"
  export RABBITMQ_NODE_PORT="$RMQ_AMQP_PORT"
  export RABBITMQ_DIST_PORT="$RMQ_DIST_PORT"
  export RABBITMQ_CTL_DIST_PORT_MIN="$RMQ_CTL_PORT_MIN"
  export RABBITMQ_CTL_DIST_PORT_MAX="$RMQ_CTL_PORT_MAX"
  export ERL_EPMD_PORT="$RMQ_EPMD_PORT"
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_MNESIA_BASE="$dir/mnesia"
  export RABBITMQ_LOG_BASE="$dir/log"
  export RABBITMQ_CONFIG_FILE="$RUN_DIR/rabbitmq/rabbitmq.conf"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$RUN_DIR/rabbitmq/enabled_plugins"
  export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
  # An empty env file instead of /etc/rabbitmq/rabbitmq-env.conf, so the system's settings
  # cannot leak in.
  export RABBITMQ_CONF_ENV_FILE="$RUN_DIR/rabbitmq/rabbitmq-env.conf"
  # Keep Erlang distribution on loopback too.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

write_rabbit_config() {
  mkdir -p "$RUN_DIR/rabbitmq" "$RUN_DIR/rabbitmq-home"
  chmod 700 "$RUN_DIR/rabbitmq-home"
  # Defaults otherwise (vm_memory_high_watermark 0.4 of RAM, classic queues v1, no plugins).
  printf 'listeners.tcp.default = 127.0.0.1:%s\n' "$RMQ_AMQP_PORT" >"$RUN_DIR/rabbitmq/rabbitmq.conf"
  echo '[].' >"$RUN_DIR/rabbitmq/enabled_plugins"
  : >"$RUN_DIR/rabbitmq/rabbitmq-env.conf"
}

# What identifies our beam.smp on its command line: 3.10 sets the node name at run time, so the
# name is not there, but the private HOME is.
rabbit_marker() { printf -- '-home %s ' "$RUN_DIR/rabbitmq-home"; }

# rabbitmqctl_ DIR ARGS...: rabbitmqctl against our node, output appended to DIR/rabbitmqctl.log.
rabbitmqctl_() {
  local dir="${1:-$RUN_DIR}"; shift
  (rabbit_env "$dir" && timeout 90 "$RABBIT_BIN/rabbitmqctl" -n "$NODE_NAME" "$@") >>"$dir/rabbitmqctl.log" 2>&1
}

# start_rabbitmq DIR: our own epmd, then the node as the current user; sets BROKER_PID to beam.smp.
start_rabbitmq() {
  local dir="$1" i
  mkdir -p "$dir/mnesia" "$dir/log"
  # Our own epmd in the foreground (not -daemon) so we hold its PID and can stop it; the node
  # finds it on ERL_EPMD_PORT and does not start another.
  if ! pid_matches "$EPMD_PID" "-port $RMQ_EPMD_PORT "; then
    (exec setsid epmd -port "$RMQ_EPMD_PORT" -address 127.0.0.1 >"$RUN_DIR/rabbitmq/epmd.log" 2>&1 </dev/null) &
    EPMD_PID=$!
    for ((i = 0; i < 50; i++)); do port_open "$RMQ_EPMD_PORT" && break; sleep 0.1; done
  fi
  # /usr/lib/rabbitmq/bin/rabbitmq-server runs as whoever calls it; Debian's /usr/sbin wrapper
  # would switch to the rabbitmq user and the system's /var/lib/rabbitmq.
  (rabbit_env "$dir" && cd "$dir" && exec setsid "$RABBIT_BIN/rabbitmq-server" \
      >"$dir/rabbitmq.out" 2>&1 </dev/null) &
  RMQ_WRAPPER_PID=$!
  CURRENT_BROKER=rabbitmq
  for ((i = 0; i < 1200; i++)); do
    pid_alive "$RMQ_WRAPPER_PID" || { tail -20 "$dir/rabbitmq.out" >&2; return 1; }
    if [[ -z "$RMQ_BEAM_PID" && -s "$dir/rabbitmq.pid" ]]; then RMQ_BEAM_PID="$(<"$dir/rabbitmq.pid")"; fi
    port_open "$RMQ_AMQP_PORT" && break
    sleep 0.1
  done
  port_open "$RMQ_AMQP_PORT" || { log "rabbitmq did not open port $RMQ_AMQP_PORT within 120s"; return 1; }
  rabbitmqctl_ "$dir" await_startup || { log "rabbitmqctl await_startup failed"; return 1; }
  [[ -n "$RMQ_BEAM_PID" ]] || RMQ_BEAM_PID="$(<"$dir/rabbitmq.pid")"
  # The pid file names the VM; make sure it is our node's beam.smp.
  pid_matches "$RMQ_BEAM_PID" "$(rabbit_marker)" || { log "pid file does not name our beam.smp"; return 1; }
  BROKER_PID=$RMQ_BEAM_PID
}

# stop_broker DIR: stops whatever start_* started (and only that).
stop_broker() {
  local dir="$1" i
  case "$CURRENT_BROKER" in
    tidings)
      kill_pid "$TIDINGS_PID" "$TIDINGS_DLL" 30
      wait "$TIDINGS_PID" 2>/dev/null || true
      TIDINGS_PID=""
      ;;
    rabbitmq)
      if pid_matches "$RMQ_BEAM_PID" "$(rabbit_marker)"; then
        rabbitmqctl_ "$dir" stop || true
        for ((i = 0; i < 300; i++)); do pid_alive "$RMQ_BEAM_PID" || break; sleep 0.1; done
      fi
      kill_pid "$RMQ_BEAM_PID" "$(rabbit_marker)" 10
      kill_pid "$RMQ_WRAPPER_PID" rabbitmq-server 10
      wait "$RMQ_WRAPPER_PID" 2>/dev/null || true
      RMQ_BEAM_PID=""; RMQ_WRAPPER_PID=""
      ;;
  esac
  CURRENT_BROKER=""; BROKER_PID=""
  if ((!KEEP_DATA)) && [[ -n "$dir" ]]; then rm -rf "$dir/data" "$dir/mnesia"; fi
}

stop_epmd() {
  kill_pid "$EPMD_PID" "-port $RMQ_EPMD_PORT " 5
  wait "$EPMD_PID" 2>/dev/null || true
  EPMD_PID=""
}

BROKER_DIR=""
cleanup() {
  trap - EXIT INT TERM
  if [[ -n "$GEN_PID" ]]; then kill_pid "$GEN_PID" "$PERFTEST_DLL" 5; GEN_PID=""; fi
  if [[ -n "$CURRENT_BROKER" ]]; then log "stopping $CURRENT_BROKER"; stop_broker "$BROKER_DIR"; fi
  stop_epmd
}

on_signal() { log "interrupted"; cleanup; exit "$1"; }

# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------
# run_generator OUTFILE TIMEOUT ARGS...: runs the load generator against the current broker.
# Run in the background and waited for, so a signal to this script is handled at once
# (bash delays traps until a foreground child ends).
run_generator() {
  local out="$1" limit="$2"; shift 2
  local port; [[ "$CURRENT_BROKER" == tidings ]] && port=$TIDINGS_AMQP_PORT || port=$RMQ_AMQP_PORT
  timeout -k 10 "$limit" dotnet "$PERFTEST_DLL" --uri "amqp://guest:guest@127.0.0.1:$port/" "$@" \
    >"$out" 2>"${out%.out}.err" </dev/null &
  GEN_PID=$!
  local rc=0
  wait "$GEN_PID" || rc=$?
  GEN_PID=""
  return "$rc"
}

# The generator's last stdout line, if it is a JSON object.
generator_json() {
  local line; line="$(tail -n 1 "$1" 2>/dev/null)" || return 1
  jq -ce 'select(type == "object")' <<<"$line" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------
scenario_args() {
  case "$1" in
    s1) echo "--producers 1 --consumers 1 --size 128 --time $DURATION" ;;
    s2) echo "--producers 1 --consumers 1 --size 128 --durable --persistent --confirm 1000 --time $DURATION" ;;
    s3) echo "--producers 1 --consumers 10 --queues 10 --exchange-type fanout --size 128 --time $DURATION" ;;
    s4) echo "--producers 1 --consumers 1 --size 128 --rate 5000 --time $DURATION" ;;
    s5) echo "--idle-connections $IDLE_CONNECTIONS --time 15" ;;
    s6) echo "--producers 1 --consumers 0 --size 1024 --durable --persistent --confirm 1000 --pmessages $S6_MESSAGES --time 600" ;;
  esac
}
S6_DRAIN_ARGS="--producers 0 --consumers 1 --size 1024 --durable --cmessages $S6_MESSAGES --time 600"

scenario_title() {
  case "$1" in
    s1) echo "s1 transient 1→1, 128 B" ;;
    s2) echo "s2 persistent+confirms 1→1, 128 B" ;;
    s3) echo "s3 fanout 1→10 queues, 128 B" ;;
    s4) echo "s4 latency @5,000 msg/s, 128 B" ;;
    s5) echo "s5 $IDLE_CONNECTIONS idle connections" ;;
    s6) echo "s6 backlog ${S6_MESSAGES} × 1 KiB" ;;
  esac
}

scenario_metrics() {
  case "$1" in
    s1|s2|s3) echo "publish_rate consume_rate" ;;
    s4) echo "lat_p50 lat_p99 lat_p999 lat_max consume_rate" ;;
    s5) echo "kib_per_conn" ;;
    s6) echo "publish_rate drain_rate peak_rss_mib" ;;
  esac
}

declare -A METRIC_LABEL=(
  [publish_rate]="publish msg/s" [consume_rate]="consume msg/s" [drain_rate]="drain msg/s"
  [lat_p50]="latency p50 µs" [lat_p99]="latency p99 µs" [lat_p999]="latency p99.9 µs" [lat_max]="latency max µs"
  [kib_per_conn]="RSS KiB per connection" [peak_rss_mib]="peak RSS MiB"
)
declare -A METRIC_HIGHER_BETTER=(
  [publish_rate]=1 [consume_rate]=1 [drain_rate]=1
  [lat_p50]=0 [lat_p99]=0 [lat_p999]=0 [lat_max]=0 [kib_per_conn]=0 [peak_rss_mib]=0
)

# run_scenario BROKER SCENARIO RUN: fresh broker, the scenario, broker stopped; appends one
# record to raw.jsonl whether it worked or not.
run_scenario() {
  local broker="$1" sc="$2" run="$3"
  local tag="$sc-$broker-r$run" dir="$RUN_DIR/$sc-$broker-r$run"
  local error="" t0 t1 c0 c1 m0 m1 rss0=0 rss1=0 hwm=0 gen1="" gen2="" metrics='{}'
  mkdir -p "$dir"
  BROKER_DIR="$dir"
  log "$tag: starting $broker"
  if ! "start_$broker" "$dir"; then
    error="broker did not start"
  else
    sleep 1   # let start-up work settle before the idle RSS sample
    if [[ "$sc" =~ ^s[1-4]$ ]] && ((WARMUP > 0)); then
      log "$tag: warming up for ${WARMUP}s"
      # shellcheck disable=SC2046 # the arguments are meant to split; later flags win
      run_generator "$dir/warmup.out" $((WARMUP + 60)) $(scenario_args "$sc") --queue warmup --rate 5000 \
        --time "$WARMUP" --label "$tag-warmup" || log "$tag: warm-up exited with $?"
    fi
    rss0=$(rss_kib "$BROKER_PID"); c0=$(cpu_ticks "$BROKER_PID"); m0=$(machine_busy_ticks); t0=$(now)
    log "$tag: running $(scenario_args "$sc")"
    case "$sc" in
      s1|s2|s3|s4)
        # shellcheck disable=SC2046 # the arguments are meant to split
        run_generator "$dir/gen.out" $((DURATION + 90)) $(scenario_args "$sc") --label "$tag" \
          || error="generator exited with $?"
        ;;
      s5)
        run_idle_connections "$dir" "$tag" || error="${IDLE_ERROR:-idle connections failed}"
        ;;
      s6)
        # shellcheck disable=SC2046
        run_generator "$dir/gen.out" 700 $(scenario_args s6) --label "$tag-publish" \
          || error="publish phase exited with $?"
        if [[ -z "$error" ]]; then
          # shellcheck disable=SC2086 # the arguments are meant to split
          run_generator "$dir/gen2.out" 700 $S6_DRAIN_ARGS --label "$tag-drain" \
            || error="drain phase exited with $?"
        fi
        ;;
    esac
    t1=$(now); c1=$(cpu_ticks "$BROKER_PID"); m1=$(machine_busy_ticks)
    [[ "$sc" == s5 ]] || rss1=$(rss_kib "$BROKER_PID")
    [[ "$sc" == s5 ]] && rss1=$IDLE_RSS_AFTER
    hwm=$(hwm_kib "$BROKER_PID")
    pid_alive "$BROKER_PID" || error="${error:-broker died during the scenario}"
    gen1="$(generator_json "$dir/gen.out" || true)"
    [[ "$sc" == s6 ]] && gen2="$(generator_json "$dir/gen2.out" || true)"
    if [[ -z "$error" && -z "$gen1" ]]; then error="no JSON result from the generator"; fi
    if [[ -z "$error" && "$sc" == s6 && -z "$gen2" ]]; then error="no JSON result from the drain phase"; fi
    # s6 only means something if the whole backlog went in and came out.
    if [[ -z "$error" && "$sc" == s6 ]]; then
      local confirmed consumed
      confirmed=$(jq '.confirmed' <<<"$gen1"); consumed=$(jq '.consumed' <<<"$gen2")
      ((confirmed >= S6_MESSAGES)) || error="only $confirmed of $S6_MESSAGES confirmed"
      ((consumed >= S6_MESSAGES)) || error="${error:-only $consumed of $S6_MESSAGES drained}"
    fi
  fi
  log "$tag: stopping $broker"
  stop_broker "$dir"
  BROKER_DIR=""

  if [[ -z "$error" ]]; then
    metrics="$(compute_metrics "$sc" "$gen1" "${gen2:-null}" "$rss0" "$rss1" "$hwm")" \
      || { error="could not compute metrics"; metrics='{}'; }
  fi
  [[ -n "$error" ]] && log "$tag: FAILED: $error (see $dir)"
  jq -cn --arg broker "$broker" --arg scenario "$sc" --argjson run "$run" \
    --arg status "$([[ -z "$error" ]] && echo ok || echo failed)" --arg error "$error" \
    --argjson gen "${gen1:-null}" --argjson gen2 "${gen2:-null}" \
    --argjson wall "$(awk -v a="${t0:-0}" -v b="${t1:-0}" 'BEGIN{print b-a}')" \
    --argjson cpu "$(awk -v a="${c0:-0}" -v b="${c1:-0}" -v t="$CLK_TCK" 'BEGIN{print (b-a)/t}')" \
    --argjson machine "$(awk -v a="${m0:-0}" -v b="${m1:-0}" -v t="$CLK_TCK" 'BEGIN{print (b-a)/t}')" \
    --arg loadavg "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --argjson rss0 "${rss0:-0}" --argjson rss1 "${rss1:-0}" --argjson hwm "${hwm:-0}" \
    --argjson metrics "$metrics" \
    '{broker:$broker, scenario:$scenario, run:$run, status:$status, error:$error,
      wall_seconds:$wall, broker_cpu_seconds:$cpu,
      generator_cpu_seconds:(($gen.cpu_seconds // 0) + ($gen2.cpu_seconds // 0)),
      machine_busy_cpu_seconds:$machine, loadavg_after:$loadavg,
      rss_before_kib:$rss0, rss_after_kib:$rss1, vmhwm_kib:$hwm,
      generator:$gen, generator_drain:$gen2, metrics:$metrics}' >>"$RUN_DIR/raw.jsonl"
}

# s5: hold IDLE_CONNECTIONS connections and sample the broker's RSS once they are all open.
IDLE_RSS_AFTER=0
IDLE_ERROR=""
run_idle_connections() {
  local dir="$1" tag="$2" i
  IDLE_RSS_AFTER=0; IDLE_ERROR=""
  local port; [[ "$CURRENT_BROKER" == tidings ]] && port=$TIDINGS_AMQP_PORT || port=$RMQ_AMQP_PORT
  # shellcheck disable=SC2046 # the arguments are meant to split
  timeout -k 10 180 dotnet "$PERFTEST_DLL" --uri "amqp://guest:guest@127.0.0.1:$port/" \
    $(scenario_args s5) --label "$tag" >"$dir/gen.out" 2>"$dir/gen.err" </dev/null &
  GEN_PID=$!
  for ((i = 0; i < 1200; i++)); do
    grep -q "^ready connections=$IDLE_CONNECTIONS" "$dir/gen.out" 2>/dev/null && break
    pid_alive "$GEN_PID" || break
    sleep 0.1
  done
  if grep -q "^ready connections=$IDLE_CONNECTIONS" "$dir/gen.out" 2>/dev/null; then
    sleep 3   # let the broker finish per-connection set-up and the allocator settle
    IDLE_RSS_AFTER=$(rss_kib "$BROKER_PID")
  else
    IDLE_ERROR="the generator never reported ready connections=$IDLE_CONNECTIONS"
  fi
  local rc=0
  wait "$GEN_PID" || rc=$?
  GEN_PID=""
  if [[ -z "$IDLE_ERROR" && $rc -ne 0 ]]; then IDLE_ERROR="generator exited with $rc"; fi
  [[ -z "$IDLE_ERROR" ]]
}

# compute_metrics SCENARIO GEN_JSON DRAIN_JSON RSS_BEFORE RSS_AFTER HWM -> {"metric": value, ...}
compute_metrics() {
  jq -cn --arg sc "$1" --argjson g "$2" --argjson d "$3" \
    --argjson rss0 "$4" --argjson rss1 "$5" --argjson hwm "$6" --argjson n "$IDLE_CONNECTIONS" '
    if $sc == "s4" then
      {lat_p50: $g.latency_us.p50, lat_p99: $g.latency_us.p99, lat_p999: $g.latency_us.p999,
       lat_max: $g.latency_us.max, consume_rate: $g.consume_rate}
    elif $sc == "s5" then {kib_per_conn: (($rss1 - $rss0) / $n)}
    elif $sc == "s6" then
      {publish_rate: $g.publish_rate, drain_rate: $d.consume_rate, peak_rss_mib: ($hwm / 1024)}
    else {publish_rate: $g.publish_rate, consume_rate: $g.consume_rate}
    end'
}

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
# median V...: the middle value (mean of the two middle ones for an even count).
median() {
  (($#)) || return 1
  printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1}
    END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

fmt() {
  local metric="$1" v="$2"
  [[ -z "$v" || "$v" == null ]] && { echo "–"; return; }
  case "$metric" in
    kib_per_conn) printf '%.1f' "$v" ;;
    *) printf '%.0f' "$v" ;;
  esac
}

# values BROKER SCENARIO JQ-EXPR: that expression over every successful run, one per line.
values() {
  jq -r --arg b "$1" --arg s "$2" "select(.broker == \$b and .scenario == \$s and .status == \"ok\") | $3 // empty" \
    "$RUN_DIR/raw.jsonl"
}

runs_failed() {
  jq -r --arg b "$1" --arg s "$2" 'select(.broker == $b and .scenario == $s and .status != "ok")' \
    "$RUN_DIR/raw.jsonl" | jq -s length
}

# median_cell BROKER SCENARIO JQ-EXPR METRIC: "median" or "failed", plus a failed-runs note.
median_cell() {
  local -a v; mapfile -t v < <(values "$1" "$2" "$3")
  local failed; failed=$(runs_failed "$1" "$2")
  if ((${#v[@]} == 0)); then echo "failed"; return; fi
  local m; m="$(fmt "$4" "$(median "${v[@]}")")"
  ((failed > 0)) && m="$m ($failed failed)"
  echo "$m"
}

cpu_cell() {
  local -a v; mapfile -t v < <(values "$1" "$2" "$3")
  ((${#v[@]})) || { echo "–"; return; }
  printf '%.0f' "$(median "${v[@]}")"
}

render_table() {
  local sc metric b t r ratio label dir
  echo "# Tidings vs RabbitMQ"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- Machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM"
  echo "- Kernel: $(uname -sr)"
  echo "- .NET SDK: $(dotnet --version)"
  echo "- RabbitMQ: $(dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null || echo '?'); Erlang/OTP $(cat /usr/lib/erlang/releases/*/OTP_VERSION 2>/dev/null | head -1 || echo '?')"
  echo "- Load average (1/5/15 min) at start: $LOAD_AT_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  local -a others; local other
  mapfile -t others < <(jq -r 'select(.status == "ok")
    | (.machine_busy_cpu_seconds - .broker_cpu_seconds - .generator_cpu_seconds) / .wall_seconds * 100' \
    "$RUN_DIR/raw.jsonl")
  if ((${#others[@]})); then
    other=$(median "${others[@]}")
    echo "- Other processes' CPU during the runs (median): $(printf '%.0f' "$other") % of one core$(
      awk -v o="$other" 'BEGIN {if (o > 25) print " — **the machine was busy with other work; these numbers are disturbed**"}')"
  fi
  echo "- Tidings commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "- Command: \`$COMMAND_LINE\`"
  echo "- Runs per scenario and broker: $RUNS (medians below; every run in the second table); s1–s4 last ${DURATION}s each"
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
      t=$(median_cell tidings "$sc" ".metrics.$metric" "$metric")
      r=$(median_cell rabbitmq "$sc" ".metrics.$metric" "$metric")
      has_broker tidings || t="–"
      has_broker rabbitmq || r="–"
      ratio="–"
      local tv rv; local -a tvs rvs
      mapfile -t tvs < <(values tidings "$sc" ".metrics.$metric")
      mapfile -t rvs < <(values rabbitmq "$sc" ".metrics.$metric")
      tv=$(median "${tvs[@]}" || true)
      rv=$(median "${rvs[@]}" || true)
      if [[ -n "$tv" && -n "$rv" ]] && awk -v r="$rv" 'BEGIN{exit !(r != 0)}'; then
        ratio=$(awk -v t="$tv" -v r="$rv" 'BEGIN{printf "%.2f", t / r}')
      fi
      if ((METRIC_HIGHER_BETTER[$metric])); then label="${METRIC_LABEL[$metric]} (higher is better)"
      else label="${METRIC_LABEL[$metric]} (lower is better)"; fi
      echo "| $(scenario_title "$sc") | $label | $t | $r | $ratio | $tcpu | $rcpu | $gt / $gr |"
    done
  done
  echo
  echo "The ratio is always Tidings ÷ RabbitMQ: above 1 means Tidings is ahead for \"higher is better\" rows and behind for \"lower is better\" rows (latency, memory)."
  echo "CPU % is CPU time ÷ wall time × 100 over the generator run (100 = one full core; this machine has $(nproc)); the generator shares the machine with the broker. \"other CPU %\" in the second table is what the rest of the machine used meanwhile (busy user+system+steal time of all CPUs − broker − generator): if it is well above a few %, another process (or the hypervisor) disturbed that run."
  echo
  echo "## Every run"
  echo
  echo "| scenario | metric | broker | $(seq -s ' | ' 1 "$RUNS" | sed 's/[0-9]\+/run &/g') |"
  echo "|---|---|---|$(printf -- '---:|%.0s' $(seq 1 "$RUNS"))"
  for sc in ${SCENARIOS//,/ }; do
    for metric in $(scenario_metrics "$sc") broker_cpu other_cpu; do
      for b in ${BROKERS//,/ }; do
        local row="| $sc | ${METRIC_LABEL[$metric]:-${metric/_cpu/} CPU %} | $b |"
        for ((r = 1; r <= RUNS; r++)); do
          local cell
          cell=$(jq -r --arg b "$b" --arg s "$sc" --argjson r "$r" --arg m "$metric" '
            select(.broker == $b and .scenario == $s and .run == $r)
            | if .status != "ok" then "failed"
              elif $m == "broker_cpu" then (.broker_cpu_seconds / .wall_seconds * 100)
              elif $m == "other_cpu" then ((.machine_busy_cpu_seconds - .broker_cpu_seconds
                                            - .generator_cpu_seconds) / .wall_seconds * 100)
              else .metrics[$m] end' "$RUN_DIR/raw.jsonl" | head -1)
          [[ "$cell" == failed ]] || cell=$(fmt "$metric" "$cell")
          row="$row ${cell:-–} |"
        done
        echo "$row"
      done
    done
  done
  echo
  echo "## Notes"
  echo
  echo "- Every scenario starts each broker afresh with an empty data directory; both run on loopback with default settings (Tidings: built-in defaults, memory high watermark 1 GiB; RabbitMQ: rabbitmq.conf with only the listener, no plugins, vm_memory_high_watermark 0.4 of RAM, classic queues)."
  echo "- s2/s6 confirms: Tidings confirms a persistent message on a durable queue only after the fsync of every durable queue it went to (one group commit shared by all queues, no timer; docs/STORAGE.md). RabbitMQ 3.10 classic queues (index v1, the default) confirm it once it is persisted: messages under 4 KiB (queue_index_embed_msgs_below; all of s2's and s6's) go to the queue's index journal, larger ones to the message store, and both are fsynced in batches (on a timer or when the queue goes idle), not per message. RabbitMQ also confirms a persistent message once it has been consumed on every queue it went to, written or not, so in s2, with a consumer keeping up, its confirms need not wait for an fsync; in s6 (no consumer while publishing) they do. See bench/README.md for fsync counts observed with strace."
  echo "- s4 publishes at a fixed 5,000 msg/s; latency is publish-to-delivery as measured by the generator (same host clock)."
  echo "- s5: (broker VmRSS after all $IDLE_CONNECTIONS connections are open and 3 s have passed − VmRSS before) ÷ $IDLE_CONNECTIONS."
  echo "- s6: publish $S6_MESSAGES persistent 1 KiB messages with confirms and no consumer, then drain them with one consumer on the same broker; peak RSS is the broker's VmHWM over the whole scenario (the broker is fresh, so its whole-life peak is the scenario's)."
  echo "- Raw records: \`raw.jsonl\` in the run directory; generator and broker logs per run beside it."
}

# ---------------------------------------------------------------------------------------------
main() {
  parse_args "$@"
  trap cleanup EXIT
  trap 'on_signal 130' INT
  trap 'on_signal 143' TERM
  log "run directory: $RUN_DIR"
  ensure_tools
  build
  pick_ports
  has_broker rabbitmq && write_rabbit_config
  : >"$RUN_DIR/raw.jsonl"

  local sc run b
  # Brokers alternate within each run so slow drift of the machine affects both alike.
  for sc in ${SCENARIOS//,/ }; do
    for ((run = 1; run <= RUNS; run++)); do
      for b in ${BROKERS//,/ }; do
        run_scenario "$b" "$sc" "$run"
      done
    done
  done
  stop_epmd

  render_table >"$OUT"
  cat "$OUT"
  log "results: $OUT (raw: $RUN_DIR/raw.jsonl)"
}

# Sourcing the file (for testing single functions) defines everything without running.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
