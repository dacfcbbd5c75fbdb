#!/usr/bin/env bash
# Runs the MQTT scenarios m1-m6 against Tidings and Mosquitto on this machine, with the same
# generator (bench/Tidings.MqttBench), and writes a Markdown table of medians. See bench/README.md.
#
# Usage: bench/mqtt-compare.sh [--runs N] [--time S] [--scenarios m1,m2,...]
#                              [--brokers tidings,mosquitto] [--connections N] [--messages N]
#                              [--run-dir DIR] [--out FILE]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMMAND_LINE="$0 $*"
RUNS=3
TIME=10
SCENARIOS="m1,m2,m3,m4,m5,m6"
BROKERS="tidings,mosquitto"
CONNECTIONS=10000
MESSAGES=100000
RUN_DIR=""
OUT=""
TIDINGS_DLL="$ROOT/src/Tidings.Server/bin/Release/net10.0/tidings.dll"
BENCH_DLL="$ROOT/bench/Tidings.MqttBench/bin/Release/net10.0/tidings-mqttbench.dll"
MOSQUITTO=/usr/sbin/mosquitto
CLK_TCK="$(getconf CLK_TCK)"
BROKER_PID=""

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

while (($#)); do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --time) TIME="$2"; shift 2 ;;
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --brokers) BROKERS="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --messages) MESSAGES="$2"; shift 2 ;;
    --run-dir) RUN_DIR="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1" ;;
  esac
done
for s in ${SCENARIOS//,/ }; do [[ "$s" =~ ^m[1-6]$ ]] || die "unknown scenario: $s"; done
for b in ${BROKERS//,/ }; do [[ "$b" == tidings || "$b" == mosquitto ]] || die "unknown broker: $b"; done
RUN_DIR="${RUN_DIR:-$ROOT/bench/results/mqtt-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
OUT="${OUT:-$RUN_DIR/results.md}"
RAW="$RUN_DIR/raw.jsonl"
: >"$RAW"

# 10,000 idle connections need 10,000 descriptors in the broker and as many in the generator.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(( $(ulimit -n) > CONNECTIONS + 100 )) || die "ulimit -n $(ulimit -n) is too low for --connections $CONNECTIONS"

if [[ ! -x "$MOSQUITTO" && ",$BROKERS," == *",mosquitto,"* ]]; then
  log "installing mosquitto with apt-get"
  if [[ $(id -u) -eq 0 ]]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q mosquitto >&2
fi

log "building Tidings and the MQTT load generator (Release)"
dotnet build -c Release --nologo -v quiet "$ROOT/src/Tidings.Server" >"$RUN_DIR/build.log" 2>&1 || die "build failed (see $RUN_DIR/build.log)"
dotnet build -c Release --nologo -v quiet "$ROOT/bench/Tidings.MqttBench" >>"$RUN_DIR/build.log" 2>&1 || die "build failed (see $RUN_DIR/build.log)"

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
pick_port() {
  local p=$((21000 + ($$ % 900) * 4))
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}
cpu_ticks() { local s; s="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }; s="${s##*) }"; awk '{print $12 + $13}' <<<"$s"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

stop_broker() {
  [[ -n "$BROKER_PID" ]] || return 0
  kill -TERM "$BROKER_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$BROKER_PID" 2>/dev/null || true
  wait "$BROKER_PID" 2>/dev/null || true
  BROKER_PID=""
}
trap stop_broker EXIT INT TERM

# start_broker NAME DIR PORT: a fresh broker on loopback; sets BROKER_PID.
start_broker() {
  local name="$1" dir="$2" port="$3"
  mkdir -p "$dir"
  if [[ "$name" == tidings ]]; then
    # Its own folder, so the repository's tidings.json is not read: built-in defaults. Only the
    # MQTT port is fixed; the other listeners take free ports.
    (cd "$dir" && exec dotnet "$TIDINGS_DLL" serve --data-dir "$dir/data" --mqtt-port "$port" \
        --amqp-port 0 --amqps-port 0 --mqtts-port 0 --http-port 0 --log-level warning \
        >"$dir/broker.out" 2>&1 </dev/null) &
  else
    # As Debian ships it for a benchmark: anonymous on loopback, no persistence.
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" >"$dir/mosquitto.conf"
    "$MOSQUITTO" -c "$dir/mosquitto.conf" >"$dir/broker.out" 2>&1 </dev/null &
  fi
  BROKER_PID=$!
  for _ in $(seq 1 300); do
    port_open "$port" && return 0
    kill -0 "$BROKER_PID" 2>/dev/null || break
    sleep 0.1
  done
  tail -5 "$dir/broker.out" >&2
  die "$name did not open port $port"
}

# run_scenario BROKER SCENARIO RUN PORT DIR: one generator run; appends a JSON line to raw.jsonl.
run_scenario() {
  local broker="$1" s="$2" run="$3" port="$4" dir="$5" args json
  args=(--scenario "$s" --port "$port" --time "$TIME" --label "$broker")
  case "$s" in
    m5) args=(--scenario m5 --port "$port" --connections "$CONNECTIONS" --time 8 --label "$broker") ;;
    m6) args=(--scenario m6 --port "$port" --messages "$MESSAGES" --label "$broker") ;;
  esac
  local rss_before cpu_before started rss_loaded=0
  rss_before=$(rss_kib "$BROKER_PID")
  cpu_before=$(cpu_ticks "$BROKER_PID")
  started=$(date +%s.%N)
  if [[ "$s" == m5 ]]; then
    # Memory is read while the connections are open and idle: 3 s after the generator says ready.
    coproc GEN { exec timeout 300 dotnet "$BENCH_DLL" "${args[@]}" 2>&1; }
    local line gen_pid=$GEN_PID
    while IFS= read -r line <&"${GEN[0]}"; do
      echo "$line" >>"$dir/$s-r$run.out"
      if [[ "$line" == ready* ]]; then sleep 3; rss_loaded=$(rss_kib "$BROKER_PID"); fi
    done
    wait "$gen_pid" 2>/dev/null || true
  else
    timeout 600 dotnet "$BENCH_DLL" "${args[@]}" >"$dir/$s-r$run.out" 2>&1 || true
  fi
  local wall cpu
  wall=$(echo "$(date +%s.%N) - $started" | bc)
  cpu=$(echo "scale=3; ($(cpu_ticks "$BROKER_PID") - $cpu_before) / $CLK_TCK" | bc)
  json="$(grep '^{' "$dir/$s-r$run.out" | tail -1)"
  [[ -n "$json" ]] || json='{"error":"no result"}'
  jq -c --arg b "$broker" --arg s "$s" --argjson r "$run" --argjson wall "$wall" --argjson cpu "$cpu" \
     --argjson before "$rss_before" --argjson loaded "$rss_loaded" --argjson n "$CONNECTIONS" \
     '. + {broker: $b, scenario: $s, run: $r, wall_seconds: $wall, broker_cpu_seconds: $cpu,
           rss_before_kib: $before, rss_loaded_kib: $loaded,
           kib_per_connection: (if $s == "m5" and $loaded > 0 then (($loaded - $before) / $n) else null end)}' \
     <<<"$json" >>"$RAW"
  log "$broker $s run $run: $(tail -1 "$RAW" | jq -c '{receive_rate, lost, latency_us, kib_per_connection, error}')"
}

PORT=$(pick_port)
for run in $(seq 1 "$RUNS"); do
  for broker in ${BROKERS//,/ }; do
    dir="$RUN_DIR/$broker-r$run"
    start_broker "$broker" "$dir" "$PORT"
    # m5 first, on the fresh broker: later scenarios leave heaps behind that a collection may
    # give back in the middle of m5, which would hide the connections' memory.
    if [[ ",$SCENARIOS," == *",m5,"* ]]; then sleep 2; run_scenario "$broker" m5 "$run" "$PORT" "$dir"; fi
    # Unmeasured: a fresh .NET process runs tier-0 code for its first seconds. Both get it.
    timeout 60 dotnet "$BENCH_DLL" --scenario m2 --port "$PORT" --time 3 >/dev/null 2>&1 || true
    for s in ${SCENARIOS//,/ }; do [[ "$s" == m5 ]] || run_scenario "$broker" "$s" "$run" "$PORT" "$dir"; done
    stop_broker
  done
done

python3 - "$RAW" "$OUT" "$COMMAND_LINE" "$RUNS" <<'EOF'
import json, statistics, sys
raw, out, command, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
rows = [json.loads(l) for l in open(raw) if l.strip()]
def med(broker, scenario, f):
    vals = [f(r) for r in rows if r["broker"] == broker and r["scenario"] == scenario and not r.get("error")]
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None
def cpu(broker, s, key):
    return med(broker, s, lambda r: 100 * r[key] / r["wall_seconds"] if r.get(key) is not None else None)
metrics = [
    ("m1", "QoS 0 1→1 128 B, msg/s received", lambda r: r["receive_rate"], True),
    ("m2", "QoS 1 1→1 128 B, msg/s received", lambda r: r["receive_rate"], True),
    ("m3", "QoS 0 1→50, deliveries/s", lambda r: r["receive_rate"], True),
    ("m4", "QoS 1 at 5,000 msg/s, p50 µs", lambda r: r["latency_us"]["p50"], False),
    ("m4", "p99 µs", lambda r: r["latency_us"]["p99"], False),
    ("m4", "p99.9 µs", lambda r: r["latency_us"]["p999"], False),
    ("m5", "KiB per idle connection", lambda r: r["kib_per_connection"], False),
    ("m6", "offline backlog: messages lost", lambda r: r["lost"], False),
    ("m6", "offline backlog: drain msg/s", lambda r: r["receive_rate"], True),
]
def fmt(v):
    if v is None: return "failed"
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:.2f}"
lines = [f"Command: `{command}` — medians of {runs} runs, brokers interleaved.", "",
         "| scenario | metric | Tidings | Mosquitto | Tidings ÷ Mosquitto | CPU % of a core (broker / generator), Tidings | Mosquitto |",
         "| --- | --- | ---: | ---: | ---: | --- | --- |"]
ran = {r["scenario"] for r in rows}
for s, name, f, _ in metrics:
    if s not in ran: continue
    t, m = med("tidings", s, f), med("mosquitto", s, f)
    ratio = f"{t / m:.2f}×" if t is not None and m else "—"
    split = lambda b: f"{fmt(cpu(b, s, 'broker_cpu_seconds'))} / {fmt(cpu(b, s, 'cpu_seconds'))}"
    lines.append(f"| {s} | {name} | {fmt(t)} | {fmt(m)} | {ratio} | {split('tidings')} | {split('mosquitto')} |")
errors = [f"- {r['broker']} {r['scenario']} run {r['run']}: {r['error']}" for r in rows if r.get("error")]
if errors: lines += ["", "Failed runs:"] + errors
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
log "raw results: $RAW"
