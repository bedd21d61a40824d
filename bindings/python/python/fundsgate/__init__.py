"""fundsgate: an ACH pre-debit sufficient-funds gate, the Rust engine from Python.

    >>> import fundsgate
    >>> account = open("examples/accounts/active_cash.json", "rb").read()
    >>> verdict = fundsgate.decide(account, amount=20000, currency="usd", now=1651516600)
    >>> verdict.decision, verdict.reasons, verdict.max_allowed
    ('deny', ['insufficient_funds'], 6000)

``verdict.to_json()`` is byte for byte what ``fundsgate check`` prints.
"""

from __future__ import annotations

from fundsgate._errors import InputError, PolicyError
from fundsgate._native import ENGINE, BatchError, Policy, Verdict, decide, decide_many

__all__ = [
    "ENGINE",
    "BatchError",
    "InputError",
    "Policy",
    "PolicyError",
    "Verdict",
    "decide",
    "decide_many",
]
