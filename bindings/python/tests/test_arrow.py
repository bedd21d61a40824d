"""decide_arrow: Arrow columns in, verdict columns out, the same decisions as
`fundsgate batch` row for row (the JSON column) and as `decide` (typed
snapshot columns); bad rows fill `error`; bad columns raise InputError."""

from __future__ import annotations

import json
import pathlib

import pyarrow as pa
import pytest

import fundsgate
from conftest import NOW, ROOT, run_cli
from test_differential import generated


def test_an_account_json_column_decides_as_fundsgate_batch(cli: pathlib.Path, gen_requests: pathlib.Path) -> None:
    data = (generated(gen_requests, 3_000) + generated(gen_requests, 1_000, "plaid")
            + generated(gen_requests, 1_000, "signal"))
    requests = [json.loads(line) for line in data.splitlines()]
    table = pa.table({
        "account": [json.dumps(r["account"]) for r in requests],
        "amount": [r["amount"] for r in requests],
        "currency": [r["currency"] for r in requests],
        "in_flight": [r.get("in_flight") for r in requests],
        "account_id": [r.get("account_id") for r in requests],
        "fetched_at": [r.get("fetched_at") for r in requests],
    })
    out = fundsgate.decide_arrow(table, now=NOW, dictionary=False).to_pylist()
    answers = [json.loads(line) for line in run_cli(cli, "batch", "--now", str(NOW), stdin=data).stdout.splitlines()]
    assert len(out) == len(answers) == 5_000
    for got, want in zip(out, answers):
        assert got["error"] is None
        for key in ("decision", "reasons", "warnings", "basis", "balance", "required", "max_allowed", "rule"):
            assert got[key] == want[key], (key, got, want)
        refresh = want["refresh"] or {}
        assert got["refresh_action"] == refresh.get("action")
        assert got["refresh_not_before"] == refresh.get("not_before")


def test_typed_columns_decide_as_decide_does() -> None:
    batch = pa.record_batch({
        "status": ["active", "active", "inactive", "active", None],
        "category": ["cash", "credit", "cash", "cash", "cash"],
        "as_of": [NOW - 8, NOW - 8, NOW - 200_000, None, NOW],
        "available": [6000, 6000, 6000, 6000, 1],
        "current": [6000, 6000, 6000, 6000, 1],
        "amount": [5000, 5000, 5000, 5000, 1],
        "currency": ["usd", "usd", "usd", "usd", "usd"],
    })
    out = fundsgate.decide_arrow(batch, now=NOW, explanation=True)
    assert pa.types.is_dictionary(out.schema.field("decision").type)
    rows = fundsgate._plain(out).to_pylist()
    assert [r["rule"] for r in rows] == ["sufficient", "credit", "stale_link_down", "stale_can_start", None]
    assert rows[4]["error"] == "status: null"
    account = (ROOT / "examples" / "accounts" / "active_cash.json").read_bytes()
    expected = fundsgate.decide(account, amount=5000, currency="usd", now=NOW)
    assert rows[0]["explanation"] == expected.explanation
    assert rows[0]["max_allowed"] == expected.max_allowed


def test_bad_columns_raise_and_empty_tables_work() -> None:
    with pytest.raises(fundsgate.InputError) as e:
        fundsgate.decide_arrow(pa.record_batch({"status": ["active"], "currency": ["usd"]}), now=NOW)
    assert e.value.path == "amount"
    with pytest.raises(fundsgate.InputError) as e:
        fundsgate.decide_arrow(pa.record_batch({"status": [1], "amount": [1], "currency": ["usd"]}), now=NOW)
    assert e.value.path == "status" and "Int64" in e.value.message
    empty = pa.table({"status": pa.array([], pa.string()), "amount": pa.array([], pa.int64()), "currency": pa.array([], pa.string())})
    assert fundsgate.decide_arrow(empty, now=NOW).num_rows == 0
