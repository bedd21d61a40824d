#!/usr/bin/env bash
# Measures `fundsgate batch` end to end on this machine:
#   1. throughput on 200,000 varied ~540-byte request lines, --jobs 1 and
#      --jobs 2 side by side (best of 5 runs each, interleaved);
#   2. peak memory (max RSS) on a ~1 GB input, which must not depend on its size.
# Usage: benches/batch_cli.sh [LINES] [BIG_LINES]   (defaults 200000 and 2000000)
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-200000}
big_lines=${2:-2000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --bin fundsgate --example gen_requests
bin=target/release/fundsgate
gen=target/release/examples/gen_requests

"$gen" "$lines" > "$work/requests.jsonl"
echo "input: $lines lines, $(stat -c %s "$work/requests.jsonl") bytes"

best() { sort -n | head -1; }
: > "$work/j1"; : > "$work/j2"
for _ in 1 2 3 4 5; do
  for jobs in 1 2; do
    start=$(date +%s.%N)
    "$bin" batch --jobs "$jobs" --now 1651516600 < "$work/requests.jsonl" > "$work/out.jsonl"
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { print b - a }' >> "$work/j$jobs"
  done
done
for jobs in 1 2; do
  t=$(best < "$work/j$jobs")
  awk -v j="$jobs" -v t="$t" -v n="$lines" 'BEGIN { printf "jobs=%s: best %.3f s, %.0f decisions/s\n", j, t, n / t }'
done
test "$(wc -l < "$work/out.jsonl")" -eq "$lines"

"$gen" "$big_lines" > "$work/big.jsonl"
echo "memory: $big_lines lines, $(stat -c %s "$work/big.jsonl") bytes"
for jobs in 1 2; do
  /usr/bin/time -v "$bin" batch --jobs "$jobs" --now 1651516600 < "$work/big.jsonl" 2> "$work/time.txt" > /dev/null
  printf 'jobs=%s: max RSS %s KB\n' "$jobs" "$(grep 'Maximum resident' "$work/time.txt" | awk '{print $NF}')"
done
