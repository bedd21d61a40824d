#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 600) on nightly, seeded with the
# test fixtures and the committed corpus, then minimizes the corpus.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]      (targets: account policy batch_line plaid signal snapshot)
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(account policy batch_line plaid signal snapshot)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
rustup toolchain list | grep -q nightly || { echo "needs a nightly toolchain" >&2; exit 1; }

# Seeds: the shipped examples and the batch lines.
mkdir -p seeds/account seeds/policy seeds/batch_line seeds/plaid seeds/signal seeds/snapshot
cp ../examples/accounts/*.json seeds/account/
cp ../tests/fixtures/plaid/*.json seeds/plaid/
cp ../tests/fixtures/plaid/signal_*.json ../tests/fixtures/plaid/product_not_ready.json seeds/signal/
(cd .. && cargo build -q --bin fundsgate)
for f in ../examples/accounts/*.json; do
  ../target/debug/fundsgate snapshot --account "$f" --fetched-at 1651516590 \
    > "seeds/snapshot/$(basename "$f")" 2>/dev/null || rm -f "seeds/snapshot/$(basename "$f")"
done
cp ../examples/policies/*.json seeds/policy/
echo '{}' > seeds/policy/empty.json
i=0
while IFS= read -r line; do
  printf '%s' "$line" > "seeds/batch_line/line$i.json"; i=$((i + 1))
done < ../examples/batch/requests.jsonl
# Batch lines over the other providers' documents.
plaid=$(tr -d '\n' < ../tests/fixtures/plaid/balance_get.json)
printf '{"id":"p1","account":%s,"account_id":"dVzbVMLjrxTnLjX4G66XUp5GLklm4oiZy88yK","fetched_at":1651516590,"amount":100,"currency":"usd"}' \
  "$plaid" > seeds/batch_line/plaid.json
printf '{"id":"p2","account":%s,"amount":100,"currency":"usd"}' \
  "$(tr -d '\n' < ../tests/fixtures/plaid/item_login_required.json)" > seeds/batch_line/plaid_error.json
printf '{"id":"g1","account":%s,"account_id":"a1","fetched_at":1651516590,"amount":100,"currency":"usd"}' \
  "$(tr -d '\n' < ../tests/fixtures/plaid/signal_reroute.json)" > seeds/batch_line/signal.json
printf '{"id":"s1","account":%s,"amount":100,"currency":"usd"}' \
  "$(tr -d '\n' < ../examples/accounts/snapshot_mx.json)" > seeds/batch_line/snapshot.json

for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "== $target: ${seconds}s"
  cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 2>&1 | tee "run-$target.log" | grep -E '^(#[0-9]+ +DONE|stat::|==|SUMMARY)' || true
  cargo +nightly fuzz cmin "$target" "corpus/$target" >/dev/null 2>&1 || true
done
