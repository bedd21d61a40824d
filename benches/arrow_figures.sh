#!/usr/bin/env bash
# The Arrow figures from one run, on this machine: the criterion `arrow` group
# (typed columns with and without the explanation column, the account JSON
# column beside `Batch::answer` on the same lines), then the local Spark job
# end to end beside `fundsgate batch --jobs 2` on the same generated rows
# (examples/spark_recheck.sh, which installs what it needs).
# Usage: benches/arrow_figures.sh [ROWS]   (Spark rows, default 200,000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-200000}
mkdir -p target
echo "-- cargo bench --features arrow --bench gate -- arrow/"
cargo bench --features arrow --bench gate -- 'arrow/' > target/arrow-bench.txt 2>&1 ||
  { cat target/arrow-bench.txt; exit 1; }
# Each benchmark's name, then the first `thrpt:` line after it (the
# measurement; a second one is criterion's change since its last run).
awk '/^arrow\// { name = $1; want = 1 }
     /thrpt:/ && want { sub(/^ +thrpt: +/, ""); printf "%-40s %s\n", name, $0; want = 0 }' \
  target/arrow-bench.txt
examples/spark_recheck.sh "$rows"
