"""The Python API: argument forms, the verdict's attributes, the policy."""

from __future__ import annotations

import datetime
import json
import pathlib

import pytest

import fundsgate
from conftest import NOW, ROOT, run_cli

ACTIVE = (ROOT / "examples" / "accounts" / "active_cash.json").read_bytes()
PLAID = (ROOT / "examples" / "accounts" / "plaid_balance_get.json").read_bytes()
UTC = datetime.timezone.utc


def test_verdict_attributes_match_its_json() -> None:
    v = fundsgate.decide(ACTIVE, amount=20000, currency="usd", now=NOW)
    d = json.loads(v.to_json())
    for key, value in d.items():
        assert getattr(v, key) == value, key
    assert not v.allowed
    assert v.decision == "deny" and v.rule == "insufficient"
    assert v.reasons == ["insufficient_funds"]
    assert v.id is None
    assert str(v) == v.explanation
    assert repr(v) == (
        "Verdict(decision='deny', rule='insufficient', reasons=['insufficient_funds'], "
        "balance=6000, required=20000, max_allowed=6000)"
    )
    assert v == fundsgate.decide(ACTIVE, amount=20000, currency="usd", now=NOW)
    assert hash(v) == hash(fundsgate.decide(ACTIVE, amount=20000, currency="usd", now=NOW))
    assert v != fundsgate.decide(ACTIVE, amount=20001, currency="usd", now=NOW)


def test_now_as_int_or_aware_datetime() -> None:
    at = datetime.datetime.fromtimestamp(NOW, tz=UTC)
    assert (
        fundsgate.decide(ACTIVE, amount=1, currency="usd", now=at).to_json()
        == fundsgate.decide(ACTIVE, amount=1, currency="usd", now=NOW).to_json()
    )
    other_zone = at.astimezone(datetime.timezone(datetime.timedelta(hours=-5)))
    assert fundsgate.decide(ACTIVE, amount=1, currency="usd", now=other_zone).evaluated_at == NOW
    with pytest.raises(fundsgate.InputError) as e:
        fundsgate.decide(ACTIVE, amount=1, currency="usd", now=datetime.datetime(2022, 5, 2))
    assert e.value.path == "now" and "naive" in e.value.message
    with pytest.raises(fundsgate.InputError, match="milliseconds"):
        fundsgate.decide(ACTIVE, amount=1, currency="usd", now=NOW * 1000)


def test_unlinked_in_flight_and_presentment() -> None:
    v = fundsgate.decide(None, amount=100, currency="USD", now=NOW)
    assert (v.rule, v.reasons) == ("unlinked", ["no_balance_data"])
    v = fundsgate.decide(ACTIVE, amount=5000, currency="usd", now=NOW, in_flight=1001)
    assert v.rule == "insufficient" and v.required == 6001
    v = fundsgate.decide(
        ACTIVE, amount=5000, currency="usd", now=NOW,
        presentment={"original_settlement": NOW - 86400, "returns": ["R01"]},
    )
    assert v.retry == {"attempt": 1, "entry_description": "RETRY PYMT"}
    with pytest.raises(fundsgate.InputError) as e:
        fundsgate.decide(
            ACTIVE, amount=5000, currency="usd", now=NOW,
            presentment={"original_settlement": NOW, "returns": ["X1"]},
        )
    assert e.value.path == "presentment.returns[0]"


def test_plaid_selection_and_fetched_at() -> None:
    savings = "dVzbVMLjrxTnLjX4G66XUp5GLklm4oiZy88yK"
    at = datetime.datetime.fromtimestamp(NOW - 10, tz=UTC)
    v = fundsgate.decide(PLAID, amount=5000, currency="usd", now=NOW, account_id=savings, fetched_at=at)
    assert (v.provider, v.account, v.as_of, v.basis) == ("plaid", savings, NOW - 10, "current")
    with pytest.raises(fundsgate.InputError) as e:
        fundsgate.decide(PLAID, amount=5000, currency="usd", now=NOW)
    assert e.value.path == "account.accounts" and savings in e.value.message


def test_dicts_as_the_sdks_hand_them_over() -> None:
    class StripeObject(dict):  # type: ignore[type-arg]
        """The Stripe SDK's objects are dict subclasses."""

    account = StripeObject(json.loads(ACTIVE))
    account["balance"] = StripeObject(account["balance"])
    assert fundsgate.decide(account, amount=6000, currency="usd", now=NOW).allowed

    class PlaidModel:
        """The Plaid SDK's models have to_dict(), with datetimes in them."""

        def to_dict(self) -> dict[str, object]:
            return {
                "accounts": [{
                    "account_id": "a1", "type": "depository",
                    "balances": {
                        "available": 60.0, "current": 110.94, "iso_currency_code": "USD",
                        "last_updated_datetime": datetime.datetime.fromtimestamp(NOW - 8, tz=UTC),
                    },
                }],
                "request_id": "r",
            }

    v = fundsgate.decide(PlaidModel(), amount=6000, currency="usd", now=NOW)
    assert (v.decision, v.balance, v.as_of) == ("allow", 6000, NOW - 8)


def test_policy_forms_and_errors() -> None:
    p = fundsgate.Policy({"name": "cautious", "buffer_ratio": "0.05", "unverified_allowance": {"usd": 500}})
    assert p.name == "cautious" and p.fingerprint.startswith("sha256:")
    assert fundsgate.Policy(p.to_json()) == p
    assert fundsgate.Policy(p.to_json().encode()) == p
    assert fundsgate.Policy().fingerprint == fundsgate.Policy({}).fingerprint
    assert repr(fundsgate.Policy()).startswith("Policy(name=None, fingerprint='sha256:")
    v = fundsgate.decide(ACTIVE, amount=5800, currency="usd", now=NOW, policy=p)
    assert v.rule == "insufficient" and v.policy == {"name": "cautious", "fingerprint": p.fingerprint}
    for bad, path in [
        ({"bufer_ratio": 1}, "bufer_ratio"),
        ({"buffer_ratio": "11"}, "buffer_ratio"),
        ({"accept_categories": ["credit"]}, "accept_categories"),
        ({"max_balance_age_secs": float("nan")}, "max_balance_age_secs"),
        ([1, 2], "(root)"),
    ]:
        with pytest.raises(fundsgate.PolicyError) as e:
            fundsgate.Policy(bad)  # type: ignore[arg-type]
        assert e.value.path == path, bad
        assert isinstance(e.value, fundsgate.InputError) and isinstance(e.value, ValueError)


def test_decide_many_forms() -> None:
    lines = (ROOT / "examples" / "batch" / "requests.jsonl").read_text()
    assert [a.to_line() for a in fundsgate.decide_many(lines, now=NOW)] == [
        a.to_line() for a in fundsgate.decide_many(lines.encode(), now=NOW, jobs=1)
    ]
    assert fundsgate.decide_many(b"", now=NOW) == []
    assert len(fundsgate.decide_many(b"\n", now=NOW)) == 1
    with pytest.raises(fundsgate.InputError):
        fundsgate.decide_many([b"{}"], now=NOW)  # type: ignore[arg-type]


def test_the_type_aliases_match_the_verdict_schema(cli: pathlib.Path) -> None:
    """`fundsgate.Code`, `Rule`… are importable at run time and list exactly
    what the verdict's JSON Schema (generated from the Rust types) allows."""
    import typing

    schema = json.loads(run_cli(cli, "schema", "verdict").stdout)["$defs"]

    def allowed(name: str) -> set[str]:
        d = schema[name]
        return {v["const"] for v in d["oneOf"]} if "oneOf" in d else set(d["enum"])

    for alias, name in [(fundsgate.Code, "Code"), (fundsgate.Rule, "Rule"), (fundsgate.Decision, "Decision"),
                        (fundsgate.Basis, "Basis"), (fundsgate.Provider, "Provider"),
                        (fundsgate.RefreshAction, "RefreshAction")]:
        assert set(typing.get_args(alias)) == allowed(name), name
    verdict = fundsgate.decide(ACTIVE, amount=100, currency="usd", now=NOW)
    assert set(verdict.to_dict()) == fundsgate.VerdictDict.__required_keys__
    assert fundsgate.VerdictDict.__optional_keys__ == {"provider_error"}
    assert verdict.provider_error is None
    # A Plaid error response's verdict carries the error, as the JSON does.
    error = {"error_type": "INVALID_INPUT", "error_code": "INVALID_ACCESS_TOKEN"}
    verdict = fundsgate.decide(error, amount=100, currency="usd", now=NOW)
    assert verdict.rule == "missing_request_failed"
    assert verdict.provider_error == {"type": "INVALID_INPUT", "code": "INVALID_ACCESS_TOKEN"}
    assert set(verdict.to_dict()) == set(fundsgate.VerdictDict.__annotations__)
    assert verdict.to_dict() == json.loads(verdict.to_json())
