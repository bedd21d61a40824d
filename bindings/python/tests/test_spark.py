"""examples/spark_recheck.py on local Spark: 20,000 generated rows (Stripe,
Plaid balance and Plaid Signal lines, and broken ones), every verdict compared
with `fundsgate batch` on the same rows. Needs pyspark and a Java runtime; `.ci/python.sh` installs them
and sets FUNDSGATE_REQUIRE_SPARK=1 so that a missing one fails instead of
skipping."""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import shutil
import sys
from typing import Any

import pytest

from conftest import NOW, ROOT, run_cli
from test_differential import generated

REQUIRED = os.environ.get("FUNDSGATE_REQUIRE_SPARK") == "1"


def load_example() -> Any:
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        if REQUIRED:
            pytest.fail("pyspark and a Java runtime are required (FUNDSGATE_REQUIRE_SPARK=1)")
        pytest.skip("pyspark or Java not installed")
    spec = importlib.util.spec_from_file_location("spark_recheck", ROOT / "examples" / "spark_recheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["spark_recheck"] = module
    spec.loader.exec_module(module)
    return module


def test_spark_recheck_equals_fundsgate_batch(
    cli: pathlib.Path, gen_requests: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    example = load_example()
    broken = (
        b'{"id": "no_account", "amount": 1, "currency": "usd"}\n'
        b'{"id": "unlinked", "account": null, "amount": 100, "currency": "usd"}\n'
        b'{"id": "bad_currency", "account": {"status": "active"}, "amount": 1, "currency": "dollars"}\n'
    )
    # The generators number their ids alike: the Plaid lines get their own.
    plaid = generated(gen_requests, 4_000, "plaid").replace(b'{"id":"pi_', b'{"id":"plaid_')
    signal = generated(gen_requests, 1_000, "signal").replace(b'{"id":"pi_', b'{"id":"signal_')
    # One account debited 40 times across the whole input (so across Spark's
    # partitions): its 60.00 allows twelve debits of 5.00, in input order.
    account = (ROOT / "examples" / "accounts" / "active_cash.json").read_bytes().replace(b"\n", b"")
    repeated = [b'{"id":"again_%d","account":%s,"amount":500,"currency":"usd"}' % (i, account) for i in range(40)]
    stripe = generated(gen_requests, 14_957).splitlines(keepends=True)
    for i, line in enumerate(repeated):
        stripe.insert(i * 400, line + b"\n")
    data = b"".join(stripe) + plaid + signal + broken
    path = tmp_path / "requests.jsonl"
    path.write_bytes(data)
    answers = {}
    for line in run_cli(cli, "batch", "--now", str(NOW), stdin=data).stdout.splitlines():
        answer = json.loads(line)
        answers[str(answer["id"])] = answer
    assert len(answers) == 20_000
    assert [answers[f"again_{i}"]["decision"] for i in range(40)] == ["allow"] * 12 + ["deny"] * 28

    spark = example.session()
    try:
        rows = example.recheck(example.requests(spark, str(path)), NOW).collect()
    finally:
        spark.stop()
    assert len(rows) == 20_000
    for row in rows:
        got = row.asDict()
        want = answers[got["id"]]
        if got["id"] == "no_account":
            # Spark's column for a missing key is null: an unlinked debit.
            # The batch protocol refuses a line without `account`.
            assert "error" in want and got["rule"] == "unlinked"
            continue
        if "error" in want:
            assert got["error"] is not None and got["decision"] is None, got
            continue
        assert got["error"] is None, got
        for key in ("decision", "reasons", "warnings", "basis", "balance", "required", "max_allowed", "rule",
                    "not_before"):
            assert got[key] == want[key], (key, got, want)
        exposure = want["exposure"] or {}
        assert (got["exposure_count"], got["exposure_amount"]) == (exposure.get("count"), exposure.get("amount"))
        refresh = want["refresh"] or {}
        assert (got["refresh_action"], got["refresh_not_before"]) == (refresh.get("action"), refresh.get("not_before"))
        assert got["retry_attempt"] == (want["retry"] or {}).get("attempt")
