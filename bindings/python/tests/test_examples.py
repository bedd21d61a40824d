"""Every shipped example gives, from Python, the very verdict JSON that
`fundsgate check` prints, whether the account is handed over as bytes, str or
a dict."""

from __future__ import annotations

import json
import pathlib

import pytest

import fundsgate
from conftest import NOW, ROOT, run_cli

EXAMPLES = sorted((ROOT / "examples" / "accounts").glob("*.json"))
PLAID_MANY = "plaid_balance_get.json"
SAVINGS = "dVzbVMLjrxTnLjX4G66XUp5GLklm4oiZy88yK"


def source_args(path: pathlib.Path) -> dict[str, object]:
    if path.name == PLAID_MANY:
        return {"account_id": SAVINGS, "fetched_at": NOW - 10}
    return {}


def test_there_are_examples_of_every_provider() -> None:
    names = {p.name for p in EXAMPLES}
    assert len(names) >= 18
    assert {"active_cash.json", "plaid_checking.json", "snapshot_mx.json"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("amount", [1, 6000, 100_000_000])
def test_the_same_verdict_as_check(cli: pathlib.Path, path: pathlib.Path, amount: int) -> None:
    extra = source_args(path)
    flags = []
    if extra:
        flags = ["--account-id", SAVINGS, "--fetched-at", str(NOW - 10)]
    out = run_cli(
        cli, "check", "--account", str(path), "--amount", str(amount), "--currency", "usd",
        "--now", str(NOW), *flags,
    )
    assert out.returncode in (0, 1, 3), out.stderr
    expected = out.stdout.decode().strip()
    raw = path.read_bytes()
    as_bytes = fundsgate.decide(raw, amount=amount, currency="usd", now=NOW, **extra)  # type: ignore[arg-type]
    as_str = fundsgate.decide(raw.decode(), amount=amount, currency="usd", now=NOW, **extra)  # type: ignore[arg-type]
    as_dict = fundsgate.decide(json.loads(raw), amount=amount, currency="usd", now=NOW, **extra)  # type: ignore[arg-type]
    assert as_bytes.to_json() == expected
    assert as_str.to_json() == expected
    assert as_dict.to_json() == expected
    assert as_bytes.to_dict() == json.loads(expected)
    assert as_bytes.allowed == (out.returncode == 0)


def test_the_policy_file_gives_the_same_fingerprint_as_policy_check(cli: pathlib.Path) -> None:
    path = ROOT / "examples" / "policies" / "cautious.json"
    printed = json.loads(run_cli(cli, "policy", "--check", str(path)).stdout)
    policy = fundsgate.Policy.from_file(path)
    assert policy.fingerprint == printed["fingerprint"]
    assert policy.name == printed.get("name")
    assert policy.to_dict() == printed
    assert fundsgate.Policy(json.loads(path.read_text())) == policy
    v = fundsgate.decide(
        (ROOT / "examples/accounts/active_cash.json").read_bytes(),
        amount=5000, currency="usd", now=NOW, policy=policy,
    )
    out = run_cli(
        cli, "check", "--account", "examples/accounts/active_cash.json", "--amount", "5000",
        "--currency", "usd", "--now", str(NOW), "--policy", str(path),
    )
    assert v.to_json() == out.stdout.decode().strip()
