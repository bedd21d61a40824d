#!/usr/bin/env bash
# Before and after, side by side, in one run (issue 22): a `git worktree` of
# BASE is built beside the working tree, and both are measured on the same
# corpora, interleaved, on this machine:
#   1. `fundsgate batch` on seven corpora of LINES lines each (Stripe accounts
#      and events; the same with non-ASCII text in an ignored field, and its
#      ASCII twin; refused lines; Plaid; Plaid Signal; all of them mixed):
#      --jobs 1 and the default jobs for BASE and HEAD, and HEAD's
#      --reader serde (typed serde, the honest alternative); best and median
#      of ROUNDS rounds; BASE's and HEAD's answers must be byte-identical;
#   2. when valgrind is installed, instructions a line (callgrind, the
#      first 20,000 lines, --jobs 1) for both binaries on each corpus: the
#      figure the machine's noise does not move;
#   3. the criterion groups `decide`, `batch_throughput` and `arrow`
#      (benches/gate.rs) in both trees, and the `limit`, `text` and `refusal`
#      groups (benches/limit: fundsgate beside sonic-rs parse-only and a
#      write-only pass) in both, HEAD's bench run against BASE's library;
#   4. the ratios of the issue's targets, from those figures.
# Wall times on a shared 2-core machine move by 10-30 % between rounds:
# compare the columns of one run, never figures of different runs.
# Usage: [ROUNDS=N] benches/before_after.sh BASE [LINES]   (defaults 5, 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
base_rev=${1:?usage: benches/before_after.sh BASE [LINES]}
lines=${2:-200000}
rounds=${ROUNDS:-5}
work=$(mktemp -d)
base="$work/base"
cleanup() {
  git worktree remove --force "$base" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

git worktree add --detach --quiet "$base" "$base_rev"
echo "BASE $(git -C "$base" log -1 --format='%h %s' | cut -c1-80)"
echo "HEAD $(git log -1 --format='%h %s' | cut -c1-80)$(git diff --quiet HEAD || echo ' (and uncommitted changes)')"
echo "$(nproc) cores; $rounds rounds; $lines lines a corpus"

cargo build --release --quiet --bin fundsgate --example gen_requests
(cd "$base" && cargo build --release --quiet --bin fundsgate)
head_bin=target/release/fundsgate
base_bin="$base/target/release/fundsgate"
gen=target/release/examples/gen_requests

kinds="stripe non_ascii ascii_twin refused plaid signal mixed"
for kind in $kinds; do
  arg=$kind
  [ "$kind" = stripe ] && arg=""
  # shellcheck disable=SC2086
  "$gen" "$lines" $arg > "$work/$kind.jsonl"
done

# time_it OUT CMD...: runs CMD on stdin, appends the seconds taken to OUT.
time_it() {
  local out=$1 start end
  shift
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }' >> "$out"
}
best() { sort -n "$1" | head -1; }
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo
echo "== fundsgate batch: best (median) seconds for $lines lines, and decisions/s of the best"
printf '%-11s %-22s %-22s %-22s %-18s %-18s %s\n' corpus "BASE --jobs 1" "HEAD --jobs 1" "HEAD --reader serde" "BASE default" "HEAD default" "HEAD/BASE (--jobs 1)"
configs="base_j1 head_j1 head_serde base_default head_default"
for kind in $kinds; do
  input="$work/$kind.jsonl"
  for c in $configs; do : > "$work/t_$c"; done
  for _ in $(seq "$rounds"); do
    time_it "$work/t_base_j1" "$base_bin" batch --jobs 1 --now 1651516600 < "$input" > "$work/o_base_j1"
    time_it "$work/t_head_j1" "$head_bin" batch --jobs 1 --now 1651516600 < "$input" > "$work/o_head_j1"
    time_it "$work/t_head_serde" "$head_bin" batch --jobs 1 --reader serde --now 1651516600 < "$input" > "$work/o_head_serde"
    time_it "$work/t_base_default" "$base_bin" batch --now 1651516600 < "$input" > "$work/o_base_default"
    time_it "$work/t_head_default" "$head_bin" batch --now 1651516600 < "$input" > "$work/o_head_default"
  done
  for c in $configs; do
    cmp -s "$work/o_$c" "$work/o_base_j1" || { echo "$kind: $c answers differ from BASE's"; exit 1; }
  done
  row=""
  for c in $configs; do
    row="$row$(awk -v b="$(best "$work/t_$c")" -v m="$(median "$work/t_$c")" -v n="$lines" \
      'BEGIN { printf "%.3f (%.3f) %5.0fk/s|", b, m, n / b / 1000 }')"
  done
  echo "$kind" > "$work/best_$kind"
  for c in $configs; do best "$work/t_$c" >> "$work/best_$kind"; done
  awk -v k="$kind" -v r="$row" -v b="$(best "$work/t_base_j1")" -v h="$(best "$work/t_head_j1")" \
    'BEGIN { n = split(r, f, "|"); printf "%-11s %-22s %-22s %-22s %-18s %-18s %.2fx\n", k, f[1], f[2], f[3], f[4], f[5], h / b }'
done

echo
echo "== ratios, HEAD --jobs 1 (best times)"
b() { sed -n "$(($2 + 2))p" "$work/best_$1"; }  # b KIND INDEX: 0 base_j1, 1 head_j1, 2 head_serde
awk -v n="$(b non_ascii 1)" -v a="$(b ascii_twin 1)" 'BEGIN { printf "non-ASCII text / its ASCII twin: %.2fx the time (target <= 1.1x; BASE: ", n / a }'
awk -v n="$(b non_ascii 0)" -v a="$(b ascii_twin 0)" 'BEGIN { printf "%.2fx)\n", n / a }'
awk -v r="$(b refused 1)" -v s="$(b stripe 1)" 'BEGIN { printf "refused lines / the accepted lines they come from: %.2fx the time (target <= 2x; BASE: ", r / s }'
awk -v r="$(b refused 0)" -v s="$(b stripe 0)" 'BEGIN { printf "%.2fx)\n", r / s }'
for kind in stripe plaid signal mixed; do
  awk -v k="$kind" -v f="$(b "$kind" 1)" -v s="$(b "$kind" 2)" -v n="$lines" \
    'BEGIN { printf "%s: %.2f M decisions/s; typed serde / fundsgate: %.2fx the time (target >= 2x)\n", k, n / f / 1e6, s / f }'
done

# Instructions do not depend on the neighbours: when valgrind is here, each
# corpus's first 20,000 lines are counted under callgrind for both binaries.
if command -v valgrind > /dev/null; then
  echo
  echo "== instructions a line (callgrind, the first 20,000 lines, --jobs 1)"
  printf '%-11s %10s %10s %9s\n' corpus BASE HEAD HEAD/BASE
  for kind in $kinds; do
    head -20000 "$work/$kind.jsonl" > "$work/short.jsonl"
    n=$(wc -l < "$work/short.jsonl")
    for tree in base head; do
      bin=$head_bin
      [ "$tree" = base ] && bin=$base_bin
      valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" batch --jobs 1 --now 1651516600 \
        < "$work/short.jsonl" 2>&1 > /dev/null | awk '/refs:/ { gsub(",", "", $NF); print $NF }' > "$work/i_$tree"
    done
    awk -v k="$kind" -v b="$(cat "$work/i_base")" -v h="$(cat "$work/i_head")" -v n="$n" \
      'BEGIN { printf "%-11s %10.0f %10.0f %8.3fx\n", k, b / n, h / n, h / b }'
  done
fi

# criterion TREE ARGS...: the median of each benchmark, as "name seconds".
criterion() {
  local tree=$1
  shift
  (cd "$tree" && cargo bench --quiet "$@" 2> /dev/null) | awk '
    /^[A-Za-z_]/ && !/time:/ && !/thrpt:/ && !/^Benchmarking/ && !/^Found/ && !/change:/ { name = $1 }
    /time:/ && !/%/ {
      if ($1 != "time:") { name = $1 }
      for (i = 1; i <= NF; i++) if ($i ~ /^\[/) { v = $(i + 2); u = $(i + 3); break }
      s = (u == "ns") ? v / 1e9 : (u == "µs" || u == "us") ? v / 1e6 : (u == "ms") ? v / 1e3 : v
      printf "%s %.9g\n", name, s
    }'
}

echo
echo "== criterion (median of each; the gate bench with --features arrow)"
groups='^(decide/(sufficient|insufficient|unlinked|stale_can_start)$|batch_throughput/|arrow/)'
short="--warm-up-time 1 --measurement-time 3"
# shellcheck disable=SC2086
criterion "$base" --bench gate --features arrow -- $short "$groups" > "$work/c_base"
# shellcheck disable=SC2086
criterion . --bench gate --features arrow -- $short "$groups" > "$work/c_head"
# HEAD's limit bench, run on BASE's library too (with HEAD's line generator).
rm -rf "$base/benches/limit"
cp -r benches/limit "$base/benches/limit"
rm -rf "$base/benches/limit/target"
cp benches/support/requests.rs "$base/benches/support/requests.rs"
# shellcheck disable=SC2086
criterion "$base/benches/limit" --bench limit -- $short >> "$work/c_base"
# shellcheck disable=SC2086
criterion benches/limit --bench limit -- $short >> "$work/c_head"
printf '%-52s %12s %12s %8s\n' benchmark BASE HEAD HEAD/BASE
join <(sort "$work/c_base") <(sort "$work/c_head") | sort -k1,1 | awk '{
  u = ($2 < 1e-6) ? "ns" : ($2 < 1e-3) ? "us" : "ms"; f = (u == "ns") ? 1e9 : (u == "us") ? 1e6 : 1e3
  printf "%-52s %9.2f %s %9.2f %s %7.2fx\n", $1, $2 * f, u, $3 * f, u, $3 / $2 }'

c() { awk -v k="$2" '$1 == k { print $2 }' "$work/c_$1"; }
echo
echo "== the limit (benches/limit, 50,000 mixed lines)"
for tree in base head; do
  awk -v t="$tree" -v f="$(c "$tree" limit/fundsgate)" -v p="$(c "$tree" limit/parse_only_sonic_rs)" \
    -v w="$(c "$tree" limit/write_only)" -v s="$(c "$tree" limit/typed_serde)" \
    'BEGIN { printf "%s: fundsgate / (sonic-rs parse-only + write-only): %.2fx (target <= 1.3x); typed serde / fundsgate: %.2fx\n", t, f / (p + w), s / f }'
done
for tree in base head; do
  awk -v t="$tree" -v n="$(c "$tree" text/non_ascii)" -v a="$(c "$tree" text/ascii)" \
    -v r="$(c "$tree" refusal/refused)" -v o="$(c "$tree" refusal/accepted)" \
    'BEGIN { printf "%s: non-ASCII / ASCII %.2fx; refused / accepted %.2fx\n", t, n / a, r / o }'
done
rows=1000000
for tree in base head; do
  awk -v t="$tree" -v a="$(c "$tree" arrow/typed_columns)" -v e="$(c "$tree" arrow/typed_columns_with_explanation)" -v n="$rows" \
    'BEGIN { printf "%s: Arrow typed columns %.1f M rows/s (target >= 20); with the explanation %.1f M rows/s (target >= 6)\n", t, n / a / 1e6, n / e / 1e6 }'
done
