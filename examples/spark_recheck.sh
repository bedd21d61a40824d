#!/usr/bin/env bash
# Runs examples/spark_recheck.py on local Spark over generated rows, from a fresh
# checkout: installs what it needs (a Java runtime from the OS package manager
# when none is present; a virtual environment with pyspark, pyarrow and this
# checkout's fundsgate package), generates ROWS request lines (default 20,000)
# and re-checks them, then times `fundsgate batch --jobs 2` on the same rows.
# Usage: examples/spark_recheck.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-20000}
work=target/spark-recheck
mkdir -p "$work"

if ! command -v java >/dev/null 2>&1; then
  echo "-- installing a Java runtime"
  if command -v apt-get >/dev/null 2>&1; then
    sudo_cmd=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
    $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq openjdk-17-jre-headless
  else
    echo "no Java runtime and no apt-get: install Java 17 and rerun" >&2
    exit 1
  fi
fi

if [ ! -x "$work/venv/bin/python" ]; then
  echo "-- virtual environment: pyspark, pyarrow, fundsgate"
  python3 -m venv "$work/venv"
fi
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pyspark pyarrow "pandas<3" ./bindings/python

echo "-- $rows request lines"
cargo build --release --quiet --bin fundsgate --example gen_requests
target/release/examples/gen_requests "$rows" > "$work/requests.jsonl"

echo "-- Spark (local[2])"
"$work/venv/bin/python" examples/spark_recheck.py --input "$work/requests.jsonl" \
  --output "$work/verdicts" --now 1651516600

echo "-- fundsgate batch --jobs 2 on the same rows"
start=$(date +%s.%N)
target/release/fundsgate batch --jobs 2 --now 1651516600 < "$work/requests.jsonl" > "$work/batch.jsonl"
end=$(date +%s.%N)
awk -v a="$start" -v b="$end" -v n="$rows" 'BEGIN { printf "%d rows in %.2f s (%.0f rows/s)\n", n, b - a, n / (b - a) }'
