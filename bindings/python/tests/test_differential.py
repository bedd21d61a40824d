"""10,000 generated requests (Stripe lines and Plaid lines) through
`decide_many` and through `fundsgate batch`: the same answer lines, byte for
byte; and one by one through `decide` with the account as a dict."""

from __future__ import annotations

import json
import pathlib
import subprocess

import fundsgate
from conftest import NOW, run_cli


def generated(gen: pathlib.Path, n: int, kind: str = "") -> bytes:
    args = [str(gen), str(n)] + ([kind] if kind else [])
    return subprocess.run(args, capture_output=True, check=True).stdout


def test_decide_many_answers_as_fundsgate_batch(cli: pathlib.Path, gen_requests: pathlib.Path) -> None:
    stripe = generated(gen_requests, 8_000)
    plaid = generated(gen_requests, 1_500, "plaid")
    signal = generated(gen_requests, 500, "signal")
    damaged = b'{"id": "bad", "amount": 1}\n\n{"id": 7, "account": null, "amount": -1, "currency": "usd"}\n'
    requests = stripe + damaged + plaid + signal
    expected = run_cli(cli, "batch", "--now", str(NOW), stdin=requests).stdout.decode().splitlines()
    for jobs in (1, 2, None):
        answers = fundsgate.decide_many(requests, now=NOW, jobs=jobs)
        assert len(answers) == len(expected) == 10_003
        assert [a.to_line() for a in answers] == expected
    errors = [a for a in answers if isinstance(a, fundsgate.BatchError)]
    assert [e.id for e in errors] == ["bad", None, 7]
    assert errors[0].message == "account: required (null for an unlinked debit)"


def test_decide_one_by_one_with_dict_accounts(gen_requests: pathlib.Path) -> None:
    lines = (generated(gen_requests, 1_000) + generated(gen_requests, 300, "plaid")
             + generated(gen_requests, 300, "signal")).splitlines()
    answers = fundsgate.decide_many(b"\n".join(lines), now=NOW)
    for line, answer in zip(lines, answers):
        request = json.loads(line)
        verdict = fundsgate.decide(
            request["account"],
            amount=request["amount"],
            currency=request["currency"],
            now=NOW,
            in_flight=request.get("in_flight", 0),
            account_id=request.get("account_id"),
            fetched_at=request.get("fetched_at"),
            # A request's id, when a string, is its debit's id.
            debit_id=request["id"] if isinstance(request["id"], str) else None,
        )
        assert isinstance(answer, fundsgate.Verdict)
        assert verdict.to_json() == fundsgate.Verdict.to_json(answer)
        assert answer.id == request["id"]
