"""Hostile Python inputs raise InputError (with a path) and never crash the
interpreter: bad types, huge ints, NaN, non-str keys, recursive structures,
bytes that are no JSON."""

from __future__ import annotations

import math
from typing import Any

import pytest

import fundsgate
from conftest import NOW


def account(**balance: Any) -> dict[str, Any]:
    return {
        "object": "financial_connections.account", "status": "active",
        "balance": {"as_of": NOW - 8, "type": "cash", "current": {"usd": 6000}, **balance},
    }


def raises(path: str, account_value: Any, **kwargs: Any) -> fundsgate.InputError:
    args: dict[str, Any] = {"amount": 100, "currency": "usd", "now": NOW, **kwargs}
    with pytest.raises(fundsgate.InputError) as e:
        fundsgate.decide(account_value, **args)
    # The account document's faults are named under `account`, as on every
    # front end; the arguments' at their own names.
    arguments = ("amount", "in_flight", "now", "currency", "presentment", "account_id", "fetched_at")
    if not path.startswith(arguments):
        path = "account" if path == "(root)" else f"account.{path}"
    assert e.value.path == path, (e.value.path, str(e.value))
    return e.value


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -math.inf])
def test_non_finite_floats(value: float) -> None:
    raises("balance.cash.available.usd", account(cash={"available": {"usd": value}}))


def test_floats_where_integers_are_read() -> None:
    e = raises("balance.current.usd", account(current={"usd": 6000.0}))
    assert "6000.0" in str(e)


def test_huge_ints() -> None:
    raises("balance.current.usd", account(current={"usd": 10**30}))
    raises("amount", account(), amount=10**30)
    raises("in_flight", account(), in_flight=-(10**30))
    raises("now", account(), now=10**40)


def test_non_str_keys() -> None:
    raises("balance.current", account(current={1: 5}))
    raises("(root)", {("tuple",): 1})


def test_recursive_structures() -> None:
    loop: dict[str, Any] = {"status": "active"}
    loop["self"] = loop
    with pytest.raises(fundsgate.InputError) as e:
        fundsgate.decide(loop, amount=1, currency="usd", now=NOW)
    assert e.value.path.startswith("account.self.self.self.")
    assert "deeper than 128 levels" in e.value.message


def test_recursive_structures_report_their_path() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(fundsgate.InputError) as e:
        fundsgate.decide({"status": "active", "x": loop}, amount=1, currency="usd", now=NOW)
    assert e.value.path.startswith("account.x[0][0]")


@pytest.mark.parametrize(
    "kwargs, path",
    [
        ({"amount": "100"}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": 0}, "amount"),
        ({"in_flight": -1}, "in_flight"),
        ({"currency": 840}, "currency"),
        ({"currency": "us"}, "currency"),
        ({"now": "yesterday"}, "now"),
        ({"now": None}, "now"),
        ({"account_id": 5}, "account_id"),
        ({"fetched_at": 1.5}, "fetched_at"),
        ({"presentment": ["R01"]}, "presentment"),
        ({"presentment": {"returns": ["R01"]}}, "presentment.original_settlement"),
    ],
)
def test_bad_argument_types(kwargs: dict[str, Any], path: str) -> None:
    raises(path, account(), **kwargs)


@pytest.mark.parametrize(
    "document, path",
    [
        (b"", "(root)"),
        (b"\xff\xfe", "(root)"),
        ("{", "(root)"),
        (b'{"status": "active", "balance": {"current": {"usd": 1}}}', "balance.as_of"),
        ({"object": "customer", "id": "cus_1"}, "object"),
        (object(), "(root)"),
        ({"status": "active", "x": {1, 2}}, "x"),
        ({"status": "active", "x": b"bytes"}, "x"),
    ],
)
def test_documents_that_are_no_account(document: Any, path: str) -> None:
    raises(path, document)


def test_deep_json_text_is_an_error_not_a_crash() -> None:
    deep = b'{"status": "active", "balance": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    raises("balance", deep)


def test_decide_many_with_hostile_lines_answers_every_line() -> None:
    lines = b"\n".join([
        b"\xff",
        b"[" * 10_000,
        b'{"id": 1e999, "account": null, "amount": 1, "currency": "usd"}',
        b'{"id": "ok", "account": null, "amount": 1, "currency": "usd"}',
    ])
    answers = fundsgate.decide_many(lines, now=NOW)
    assert [type(a).__name__ for a in answers] == ["BatchError", "BatchError", "BatchError", "Verdict"]
    assert not any(a.allowed for a in answers)
