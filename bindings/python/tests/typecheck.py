"""Checked by mypy --strict in CI: the stubs describe how the API is used."""

from __future__ import annotations

import datetime

import fundsgate


def check(account: bytes) -> bool:
    policy = fundsgate.Policy({"buffer_ratio": "0.05"})
    verdict: fundsgate.Verdict = fundsgate.decide(
        account, amount=6000, currency="usd",
        now=datetime.datetime.now(tz=datetime.timezone.utc), policy=policy,
    )
    decision: fundsgate.Decision = verdict.decision
    reasons: list[fundsgate.Code] = verdict.reasons
    rule: fundsgate.Rule = verdict.rule
    if verdict.refresh is not None:
        action: fundsgate.RefreshAction = verdict.refresh["action"]
        print(action, verdict.refresh["not_before"])
    record: fundsgate.VerdictDict = verdict.to_dict()
    print(rule, record["debit"]["amount"], record["policy"]["fingerprint"])
    max_allowed: int | None = verdict.max_allowed
    answers = fundsgate.decide_many(b"", now=1651516600)
    for answer in answers:
        if isinstance(answer, fundsgate.BatchError):
            print(answer.message)
        else:
            print(answer.rule)
    print(decision, reasons, max_allowed, policy.fingerprint)
    return verdict.allowed
