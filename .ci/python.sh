#!/usr/bin/env bash
# The Python bindings as a user gets them: build the wheel with maturin (from
# PyPI), install it into a fresh virtual environment, run pytest (which checks
# every verdict against the `fundsgate` command line) and mypy --strict over
# the type stubs and the tests.
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
"$work/test/bin/pip" install --quiet --disable-pip-version-check "$work"/wheels/*.whl pytest mypy pyarrow
"$work/test/bin/python" -c 'import fundsgate; print("import fundsgate:", fundsgate.ENGINE)'

echo "-- pytest"
cargo build --release --quiet --bin fundsgate --example gen_requests
(cd bindings/python/tests && "../../../$work/test/bin/python" -m pytest -q -p no:cacheprovider)

echo "-- mypy --strict (stubs and tests)"
"$work/test/bin/mypy" --strict --config-file bindings/python/pyproject.toml --cache-dir "$work/mypy" \
  bindings/python/python/fundsgate bindings/python/tests
