#!/usr/bin/env bash
# Long fuzz run: every target of tools/Tidings.Fuzz in Release for N seconds each (default 600),
# then a summary. Findings go to fuzz-findings/<target>/<hash>.bin (+ .txt with the failure and
# the replay command). Exit code 1 when any target found something.
#   bench/fuzz.sh [seconds-per-target] [seed]      e.g. bench/fuzz.sh 60
# Extra arguments for the fuzzer (e.g. --include-known) can be passed in FUZZ_ARGS.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
seed="${2:-$(date +%s)}"
out="fuzz-findings"
logs="$out/logs"
mkdir -p "$logs"
dotnet build tools/Tidings.Fuzz -c Release -v quiet -nologo >/dev/null || { echo "build failed"; exit 2; }
dll="tools/Tidings.Fuzz/bin/Release/net10.0/Tidings.Fuzz.dll"
status=0
summary=()
for target in amqp mqtt management rest definitions sqs logqueue; do
  echo "== $target: ${seconds}s, seed $seed"
  # The REST target's long-polls may wait up to 30 s by design, hence its longer hang timeout.
  timeout_s=10; [ "$target" = rest ] && timeout_s=45
  dotnet "$dll" --target "$target" --seconds "$seconds" --seed "$seed" --findings "$out" \
    --timeout-seconds "$timeout_s" ${FUZZ_ARGS:-} 2>&1 | tee "$logs/$target.log" | grep -v '^  ' | tail -n 4
  rc=${PIPESTATUS[0]}
  [ "$rc" -ne 0 ] && status=1
  summary+=("$(grep -E "^$target: [0-9]+ iterations in" "$logs/$target.log" | tail -n 1) (exit $rc)")
done
echo
echo "== summary (seed $seed, findings in $out/)"
printf '%s\n' "${summary[@]}"
exit $status
