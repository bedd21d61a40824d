#!/usr/bin/env bash
# The Python bindings as a user gets them: build the wheel with maturin (from
# PyPI), install it into a fresh virtual environment with pyarrow and pyspark,
# run pytest (which checks every verdict against the `fundsgate` command line,
# the Spark example over 20,000 rows included; a Java runtime comes from
# apt-get when none is present) and mypy --strict over the stubs and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
work=target/ci-python
rm -rf "$work"
mkdir -p "$work"

echo "-- wheel (maturin, abi3)"
"$py" -m venv "$work/build"
"$work/build/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.7,<2"
"$work/build/bin/maturin" build --release --quiet -m bindings/python/Cargo.toml -o "$work/wheels"

echo "-- fresh virtual environment"
"$py" -m venv "$work/test"
"$work/test/bin/pip" install --quiet --disable-pip-version-check "$work"/wheels/*.whl pytest mypy pyarrow pyspark "pandas<3"
"$work/test/bin/python" -c 'import fundsgate; print("import fundsgate:", fundsgate.ENGINE)'

if ! command -v java >/dev/null 2>&1; then
  echo "-- a Java runtime for Spark (apt-get)"
  sudo_cmd=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq openjdk-17-jre-headless
fi

echo "-- pytest (Spark included: it must not be skipped)"
export FUNDSGATE_REQUIRE_SPARK=1
cargo build --release --quiet --bin fundsgate --example gen_requests
(cd bindings/python/tests && "../../../$work/test/bin/python" -m pytest -q -p no:cacheprovider)

echo "-- stubtest (the stubs against the module as built)"
"$work/test/bin/python" -m mypy.stubtest fundsgate --mypy-config-file bindings/python/pyproject.toml \
  --allowlist bindings/python/stubtest-allowlist.txt

echo "-- mypy --strict (stubs and tests)"
"$work/test/bin/mypy" --strict --config-file bindings/python/pyproject.toml --cache-dir "$work/mypy" \
  bindings/python/python/fundsgate bindings/python/tests examples/spark_recheck.py
