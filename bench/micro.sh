#!/usr/bin/env bash
# Runs the BenchmarkDotNet micro-benchmarks of bench/Tidings.MicroBench (frame parsing and writing,
# topic matching, the core's publish/deliver/ack, the store, AMQP end to end over in-memory pipes).
#
#   bench/micro.sh                          every benchmark, short job (~3 warm-up + 3 measured iterations)
#   bench/micro.sh --filter '*Topic*'       only the matching classes/methods
#   bench/micro.sh --job default            BenchmarkDotNet's full job: tighter error bars, many minutes
#   bench/micro.sh --job dry                one invocation each: checks that everything runs
#
# The short job is the default because it answers "did this change move the numbers" in a few
# minutes; its error column is wide (3 iterations), so confirm a small difference with --job default.
# Other arguments go to BenchmarkDotNet as they are (e.g. --list flat, --exporters json).
# Reports (markdown, csv, html) and logs go to bench/Tidings.MicroBench/bin/BenchmarkDotNet.Artifacts
# (git-ignored) unless --artifacts says otherwise.
# The quick allocation loop for the AMQP hot path is separate:
#   dotnet run -c Release --project bench/Tidings.MicroBench -- alloc [messages] [--types]
set -euo pipefail
cd "$(dirname "$0")/.."

args=("$@")
defaults=()
has_option() { local want a; for a in "${args[@]}"; do for want in "$@"; do [[ "$a" == "$want" || "$a" == "$want="* ]] && return 0; done; done; return 1; }
has_option --filter -f || defaults+=(--filter '*')
has_option --job -j || defaults+=(--job short)
has_option --artifacts -a || defaults+=(--artifacts bench/Tidings.MicroBench/bin/BenchmarkDotNet.Artifacts)

exec dotnet run -c Release --project bench/Tidings.MicroBench -- "${defaults[@]}" "${args[@]}"
