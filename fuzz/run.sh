#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 600) on nightly, seeded with the
# test fixtures and the committed corpus, then minimizes the corpus.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]      (targets: account policy batch_line)
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(account policy batch_line)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
rustup toolchain list | grep -q nightly || { echo "needs a nightly toolchain" >&2; exit 1; }

# Seeds: the shipped examples and the batch lines.
mkdir -p seeds/account seeds/policy seeds/batch_line
cp ../examples/accounts/*.json seeds/account/
cp ../examples/policies/*.json seeds/policy/
echo '{}' > seeds/policy/empty.json
i=0
while IFS= read -r line; do
  printf '%s' "$line" > "seeds/batch_line/line$i.json"; i=$((i + 1))
done < ../examples/batch/requests.jsonl

for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "== $target: ${seconds}s"
  cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 2>&1 | tee "run-$target.log" | grep -E '^(#[0-9]+ +DONE|stat::|==|SUMMARY)' || true
  cargo +nightly fuzz cmin "$target" "corpus/$target" >/dev/null 2>&1 || true
done
