#!/usr/bin/env bash
# Measures `fundsgate batch` end to end on this machine (Stripe lines, then
# Plaid lines, then Plaid Signal lines):
#   1. throughput on 200,000 varied ~570-byte request lines (one in ten a
#      refreshed_balance event, one in eight with a null in a map), side by
#      side in one run (best and median of 5 rounds each, or $ROUNDS, interleaved):
#        - the fast reader on one thread (--jobs 1),
#        - serde_json into the same typed structs on one thread (--reader serde),
#        - the default (--jobs = available cores) and --jobs 2;
#        - --independent (no run) on one thread and by default;
#   2. peak memory (max RSS) on a ~1 GB input: flat with --independent; a run
#      (the default) keeps each account that had a debit allowed.
# Usage: [ROUNDS=N] benches/batch_cli.sh [LINES] [BIG_LINES]   (defaults 5, 200000 and 2000000)
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
echo "input: $lines lines, $(stat -c %s "$work/requests.jsonl") bytes; $(nproc) cores"

# measure INPUT BASELINE CONFIG...: runs each "name:flags" config $ROUNDS
# times (default 5), interleaved, prints the best and the median time of
# each and checks that every config's answers equal BASELINE's. On a shared
# machine the two can disagree by more than 10 %: report both.
measure() {
  local input=$1 baseline=$2
  shift 2
  local c name flags start end t
  for c in "$@"; do : > "$work/${c%%:*}"; done
  for _ in $(seq "${ROUNDS:-5}"); do
    for c in "$@"; do
      name=${c%%:*}; flags=${c#*:}
      start=$(date +%s.%N)
      # shellcheck disable=SC2086
      "$bin" batch $flags --now 1651516600 < "$input" > "$work/out_$name.jsonl"
      end=$(date +%s.%N)
      awk -v a="$start" -v b="$end" 'BEGIN { print b - a }' >> "$work/$name"
    done
  done
  for c in "$@"; do
    name=${c%%:*}
    t=$(sort -n "$work/$name" | head -1)
    m=$(sort -n "$work/$name" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    awk -v c="$name" -v t="$t" -v m="$m" -v n="$lines" 'BEGIN { printf "%-18s best %.3f s, %9.0f decisions/s; median %.3f s\n", c, t, n / t, m }'
    test "$(wc -l < "$work/out_$name.jsonl")" -eq "$lines"
    cmp -s "$work/out_$name.jsonl" "$work/out_$baseline.jsonl" || { echo "$name: answers differ"; exit 1; }
  done
}

measure "$work/requests.jsonl" fast_jobs1 \
  "fast_jobs1:--jobs 1" "serde_jobs1:--jobs 1 --reader serde" "fast_default:" "fast_jobs2:--jobs 2" \
  "independent_jobs1:--jobs 1 --independent" "independent_default:--independent"
awk -v f="$(sort -n "$work/fast_jobs1" | head -1)" -v s="$(sort -n "$work/serde_jobs1" | head -1)" \
  'BEGIN { printf "fast reader / typed serde, one thread: %.2fx the time\n", f / s }'
# A run (the default) beside --independent: every line of this corpus is a new
# account, the worst case for the run's map (each allowed line adds an account).
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
awk -v r="$(sort -n "$work/fast_jobs1" | head -1)" -v i="$(sort -n "$work/independent_jobs1" | head -1)" \
  -v rm="$(median "$work/fast_jobs1")" -v im="$(median "$work/independent_jobs1")" \
  'BEGIN { printf "run / --independent, one thread: %.2fx the time (best), %.2fx (median)\n", r / i, rm / im }'
awk -v r="$(sort -n "$work/fast_default" | head -1)" -v i="$(sort -n "$work/independent_default" | head -1)" \
  -v rm="$(median "$work/fast_default")" -v im="$(median "$work/independent_default")" \
  'BEGIN { printf "run / --independent, default jobs: %.2fx the time (best), %.2fx (median)\n", r / i, rm / im }'

# The same on Plaid lines (~1 KB: a /accounts/balance/get response of one to
# three accounts, the line selecting one by account_id, with fetched_at).
"$gen" "$lines" plaid > "$work/plaid.jsonl"
echo "plaid input: $lines lines, $(stat -c %s "$work/plaid.jsonl") bytes"
measure "$work/plaid.jsonl" plaid_fast_jobs1 \
  "plaid_fast_jobs1:--jobs 1" "plaid_serde_jobs1:--jobs 1 --reader serde" "plaid_fast_default:"

# And on Plaid Signal lines (/signal/evaluate responses: half Balance-only,
# half with scores and two dozen attributes; ACCEPT, REVIEW, REROUTE).
"$gen" "$lines" signal > "$work/signal.jsonl"
echo "signal input: $lines lines, $(stat -c %s "$work/signal.jsonl") bytes"
measure "$work/signal.jsonl" signal_fast_jobs1 \
  "signal_fast_jobs1:--jobs 1" "signal_serde_jobs1:--jobs 1 --reader serde" "signal_fast_default:"

"$gen" "$big_lines" > "$work/big.jsonl"
echo "memory: $big_lines lines, $(stat -c %s "$work/big.jsonl") bytes"
# --independent keeps memory flat whatever the input; a run keeps what it
# allowed per account, so its memory grows with the accounts (every line of
# this corpus is a new one): the difference, per allowed line, is the cost
# of an account in a run.
for flags in "--jobs 1 --independent" "--jobs 2 --independent" "--jobs 1" "--jobs 2"; do
  # shellcheck disable=SC2086
  /usr/bin/time -v "$bin" batch $flags --now 1651516600 < "$work/big.jsonl" 2> "$work/time.txt" > "$work/big_out.jsonl"
  printf '%s: max RSS %s KB, %s allowed\n' "$flags" "$(grep 'Maximum resident' "$work/time.txt" | awk '{print $NF}')" \
    "$(grep -c '"decision":"allow"' "$work/big_out.jsonl")"
done
