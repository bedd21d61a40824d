#!/usr/bin/env python3
"""Measures the Python bindings beside the check a team would hand-write in
plain Python, in one run (best of 5 each):

  1. `fundsgate.decide` on Stripe's docs example (bytes, a dict, and a
     stripe-python object, read through its `to_dict()`), per call;
  2. `fundsgate.decide_many` on the 200,000-line batch benchmark input
     (`gen_requests 200000`), one thread and the default (all cores);
  3. the plain-Python check (json.loads, then the basic rules: status, balance
     present and fresh, available else current, amount + in_flight), per call
     on the docs example and per line on the same input.

Usage: python benches/python_bench.py [LINES]   (with `fundsgate` installed,
and `cargo build --release --example gen_requests` done)
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import time
from typing import Any, Callable

import fundsgate

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOW = 1651516600
DOCS_EXAMPLE = (ROOT / "examples" / "accounts" / "active_cash.json").read_bytes()


def best(fn: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def plain_python_check(account: dict[str, Any], amount: int, currency: str, in_flight: int, now: int) -> str:
    """What a team writes by hand: no policy, no re-presentment, no audit record."""
    if account.get("object") == "event":
        account = account["data"]["object"]
    if account.get("status") != "active":
        return "deny"
    balance = account.get("balance")
    if not balance:
        return "refresh_needed"
    as_of = balance["as_of"]
    if now - as_of > 86_400 or as_of > now + 300:
        return "refresh_needed"
    ccy = currency.lower()
    available = ((balance.get("cash") or {}).get("available") or {}).get(ccy)
    if available is None:
        available = (balance.get("current") or {}).get(ccy)
    if available is None:
        return "deny"
    return "allow" if available >= amount + in_flight else "deny"


def main() -> None:
    lines_n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    calls = 100_000
    docs_dict = json.loads(DOCS_EXAMPLE)

    t = best(lambda: [fundsgate.decide(DOCS_EXAMPLE, amount=6000, currency="usd", now=NOW) for _ in range(calls)])
    print(f"decide, docs example as bytes:   {t / calls * 1e6:6.2f} µs/call")
    t = best(lambda: [fundsgate.decide(docs_dict, amount=6000, currency="usd", now=NOW) for _ in range(calls)])
    print(f"decide, docs example as a dict:  {t / calls * 1e6:6.2f} µs/call")
    try:
        import stripe  # stripe-python >= 16: objects are not dicts, read through to_dict()
    except ImportError:
        print("decide, a stripe SDK object:     (stripe not installed)")
    else:
        sdk = stripe.financial_connections.Account.construct_from(docs_dict, "sk_test")
        t = best(lambda: [fundsgate.decide(sdk, amount=6000, currency="usd", now=NOW) for _ in range(calls)])
        print(f"decide, a stripe {stripe.VERSION} object: {t / calls * 1e6:6.2f} µs/call (to_dict(), then the dict)")
    t = best(lambda: [plain_python_check(json.loads(DOCS_EXAMPLE), 6000, "usd", 0, NOW) for _ in range(calls)])
    print(f"plain Python, json.loads + check: {t / calls * 1e6:6.2f} µs/call")
    t = best(lambda: [plain_python_check(docs_dict, 6000, "usd", 0, NOW) for _ in range(calls)])
    print(f"plain Python, check on a dict:    {t / calls * 1e6:6.2f} µs/call")

    gen = ROOT / "target" / "release" / "examples" / "gen_requests"
    data = subprocess.run([str(gen), str(lines_n)], capture_output=True, check=True).stdout
    print(f"batch input: {lines_n} lines, {len(data)} bytes")
    t1 = best(lambda: fundsgate.decide_many(data, now=NOW, jobs=1), repeat=3)
    print(f"decide_many, jobs=1:     {lines_n / t1:10,.0f} decisions/s")
    tn = best(lambda: fundsgate.decide_many(data, now=NOW), repeat=3)
    print(f"decide_many, all cores:  {lines_n / tn:10,.0f} decisions/s")

    def plain() -> None:
        for line in data.splitlines():
            r = json.loads(line)
            plain_python_check(r["account"], r["amount"], r["currency"], r.get("in_flight", 0), NOW)

    tp = best(plain, repeat=3)
    print(f"plain Python, per line:  {lines_n / tp:10,.0f} decisions/s  "
          f"(decide_many jobs=1 is {tp / t1:.1f}x faster)")


if __name__ == "__main__":
    main()
