"""One request, every front end (issue 18): over 20,000 generated requests —
Stripe, Plaid and neutral snapshot documents, unlinked debits,
re-presentments, broken documents and broken debits — the command line's
`batch`, `decide_many`, `decide` one by one, Arrow's document column and (on a
sample) `fundsgate check` give the same verdict, or the same error message,
for the same request."""

from __future__ import annotations

import json
import pathlib
import random
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

import fundsgate
from conftest import NOW, ROOT, run_cli
from test_differential import generated


@dataclass
class Case:
    """A request, with its account document's exact bytes (None: unlinked)."""

    account: bytes | None
    amount: int = 100
    currency: str = "usd"
    in_flight: int | None = None
    account_id: str | None = None
    fetched_at: int | None = None
    returns: list[str] | None = None
    original_settlement: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def line(self, i: int) -> bytes:
        parts = [b'"id": %d' % i, b'"account": ' + (self.account if self.account is not None else b"null")]
        for key in ("amount", "currency", "in_flight", "account_id", "fetched_at"):
            value = getattr(self, key)
            if value is not None:
                parts.append(f'"{key}": {json.dumps(value)}'.encode())
        if self.returns is not None:
            presentment = {"original_settlement": self.original_settlement, "returns": self.returns}
            parts.append(b'"presentment": ' + json.dumps(presentment).encode())
        return b"{" + b", ".join(parts) + b"}"

    def kwargs(self) -> dict[str, Any]:
        args: dict[str, Any] = {"amount": self.amount, "currency": self.currency, "now": NOW}
        for key in ("in_flight", "account_id", "fetched_at"):
            if getattr(self, key) is not None:
                args[key] = getattr(self, key)
        if self.returns is not None:
            args["presentment"] = {"original_settlement": self.original_settlement, "returns": self.returns}
        return args


def compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def cases(cli: pathlib.Path, gen: pathlib.Path) -> list[Case]:
    rng = random.Random(18)
    out: list[Case] = []
    parsed = [json.loads(l) for l in (generated(gen, 12_000) + generated(gen, 3_000, "plaid")
                                      + generated(gen, 2_000, "signal")).splitlines()]
    for r in parsed:
        out.append(Case(compact(r["account"]), r["amount"], r["currency"], r.get("in_flight"),
                        r.get("account_id"), r.get("fetched_at")))
    # Neutral snapshots of every shipped example, at varied amounts.
    for path in sorted((ROOT / "examples" / "accounts").glob("*.json")):
        snap = run_cli(cli, "snapshot", "--account", str(path), "--fetched-at", str(NOW - 30))
        if snap.returncode == 0:
            for _ in range(60):
                out.append(Case(snap.stdout.strip(), rng.choice([1, 100, 5000, 6000, 6001, 20000])))
    # Unlinked debits, and re-presentments on linked and unlinked accounts.
    for _ in range(500):
        out.append(Case(None, rng.randint(1, 10_000)))
    for _ in range(1_000):
        base = rng.choice(out[:12_000])
        returns = rng.choice([["R01"], ["R01", "R09"], ["R02"], ["R01", "R01", "R01"], ["R10"], []])
        settled = NOW - rng.choice([86_400, 179 * 86_400, 181 * 86_400])
        out.append(Case(rng.choice([base.account, None]), base.amount, returns=returns, original_settlement=settled))
    # Broken documents: each front end must name the same fault the same way.
    stripe = [c for c in out[:12_000]]
    for i in range(2_500):
        doc = rng.choice(stripe).account
        assert doc is not None
        kind = i % 9
        if kind == 0:
            doc = doc.replace(b'"usd":', b'"usd":1.5,"x":', 1)
        elif kind == 1:
            doc = b'{"nickname":"\xff\xfe",' + doc[1:]
        elif kind == 2:
            doc = b'{"object":"customer","id":"cus_%d","balance":-500}' % i
        elif kind == 3:
            doc = b'{"object":"financial_connections.account","status":%d}' % i
        elif kind == 4:
            doc = doc.replace(b'"as_of":', b'"as_at":', 1)
        elif kind == 7:
            doc = b'{"scores":null,"core_attributes":{"available_balance":1e3},"ruleset":{"result":"ACCEPT"}}'
        elif kind == 8:
            doc = b'{"core_attributes":{"available_balance":12.5},"ruleset":{"result":"ACCEPT"},"ruleset":null}'
        elif kind == 5:
            acct = b'{"account_id":"a1","balances":{"available":1.5,"current":2,"iso_currency_code":"USD"},"type":"depository"}'
            doc = b'{"accounts":[' + acct + b"," + acct + b"]}"
        else:
            doc = b'{"accounts":[],"error_type":"ITEM_ERROR","error_code":"ITEM_LOGIN_REQUIRED"}'
        out.append(Case(doc, rng.randint(1, 10_000)))
    # Broken debits.
    for i in range(500):
        base = rng.choice(stripe)
        case = Case(base.account, [0, 100, 100, 100][i % 4], ["usd", "dollars", "usd", "usd"][i % 4])
        if i % 4 == 2:
            case.in_flight = -1
        if i % 4 == 3:
            case.returns, case.original_settlement = ["R1"], NOW
        out.append(case)
    return out


def verdict_text(answer: dict[str, Any]) -> str:
    """The verdict JSON of a batch answer line (its `id` dropped)."""
    answer = dict(answer)
    del answer["id"]
    return json.dumps(answer, separators=(",", ":"))


def test_every_front_end_gives_the_same_answer(cli: pathlib.Path, gen_requests: pathlib.Path) -> None:
    all_cases = cases(cli, gen_requests)
    assert len(all_cases) >= 20_000
    data = b"\n".join(c.line(i) for i, c in enumerate(all_cases)) + b"\n"

    # 1. The command line's batch, every line alone: the reference. (Runs,
    # where a line's verdict depends on the lines before it, are compared
    # in step 6.)
    lines = run_cli(cli, "batch", "--independent", "--now", str(NOW), stdin=data).stdout.decode().splitlines()
    answers = [json.loads(line) for line in lines]
    assert len(answers) == len(all_cases)
    errors = sum("error" in a for a in answers)
    assert 2_500 <= errors < len(all_cases) // 4, errors  # the broken ones, and only those

    # 2. decide_many: the same lines, byte for byte.
    assert [a.to_line() for a in fundsgate.decide_many(data, now=NOW, jobs=2, independent=True)] == lines

    # 3. decide, one by one, the account as the bytes of the line.
    for case, answer in zip(all_cases, answers):
        try:
            got = fundsgate.decide(case.account, **case.kwargs()).to_json()
        except fundsgate.InputError as e:
            got = str(e)
        assert got == answer.get("error", None) or got == verdict_text(answer), (case, got, answer)

    # 4. Arrow's document column, with the explanation column.
    table = pa.table({
        "account": pa.array([c.account for c in all_cases], pa.binary()),
        "amount": [c.amount for c in all_cases],
        "currency": [c.currency for c in all_cases],
        "in_flight": pa.array([c.in_flight for c in all_cases], pa.int64()),
        "account_id": pa.array([c.account_id for c in all_cases], pa.string()),
        "fetched_at": pa.array([c.fetched_at for c in all_cases], pa.int64()),
        "returns": pa.array([c.returns for c in all_cases], pa.list_(pa.string())),
        "original_settlement": pa.array([c.original_settlement for c in all_cases], pa.int64()),
    })
    rows = fundsgate.decide_arrow(table, now=NOW, explanation=True, dictionary=False, independent=True).to_pylist()
    for case, row, answer in zip(all_cases, rows, answers):
        if "error" in answer:
            # The Arrow request has no `presentment` object: its columns are
            # `returns` and `original_settlement`.
            expected = answer["error"].replace("presentment.returns[", "returns[")
            assert row["error"] == expected, (case, row, answer)
            continue
        refresh = answer["refresh"] or {}
        retry = answer["retry"] or {}
        assert row["error"] is None, (case, row)
        assert {k: row[k] for k in ("decision", "reasons", "warnings", "basis", "balance", "required",
                                    "max_allowed", "rule", "explanation")} == {
            k: answer[k] for k in ("decision", "reasons", "warnings", "basis", "balance", "required",
                                   "max_allowed", "rule", "explanation")}, (case, row, answer)
        assert (row["refresh_action"], row["refresh_not_before"], row["retry_attempt"]) == (
            refresh.get("action"), refresh.get("not_before"), retry.get("attempt"))

    # 5. `fundsgate check` on a sample (one process each), debit faults aside:
    # the command line names those by their flags (`--amount`).
    rng = random.Random(7)
    sample = [i for i in rng.sample(range(len(all_cases)), 300)
              if "error" not in answers[i] or answers[i]["error"].startswith("account")]
    assert len(sample) > 250
    for i in sample:
        case, answer = all_cases[i], answers[i]
        args = ["check", "--amount", str(case.amount), "--currency", case.currency, "--now", str(NOW)]
        args += ["--account", "-"] if case.account is not None else ["--unlinked"]
        for flag, value in (("--in-flight", case.in_flight), ("--account-id", case.account_id),
                            ("--fetched-at", case.fetched_at)):
            if value is not None:
                args += [flag, str(value)]
        if case.returns:
            args += ["--returns", ",".join(case.returns), "--original-settlement", str(case.original_settlement)]
        elif case.returns == []:
            continue  # an empty list has no spelling as a flag
        out = run_cli(cli, *args, stdin=case.account or b"")
        if "error" in answer:
            assert out.returncode == 2 and out.stderr.decode().strip() == f"fundsgate: {answer['error']}", (case, out)
        else:
            assert out.stdout.decode().strip() == verdict_text(answer), (case, out)

    # 6. A run (the default): each allowed debit counts against the later
    # lines of its account. The batch, decide_many and Arrow agree, and the
    # batch's output is the same for every number of threads.
    run_lines = run_cli(cli, "batch", "--now", str(NOW), stdin=data).stdout.decode().splitlines()
    assert run_lines != lines  # the shipped accounts repeat: some allows become denials
    for jobs in ("1", "3"):
        assert run_cli(cli, "batch", "--jobs", jobs, "--now", str(NOW), stdin=data).stdout.decode().splitlines() == run_lines
    assert [a.to_line() for a in fundsgate.decide_many(data, now=NOW, jobs=2)] == run_lines
    run_answers = [json.loads(line) for line in run_lines]
    # Arrow decides a table batch after batch in one run: split it in three.
    batches = table.to_batches(max_chunksize=len(all_cases) // 3 + 1)
    assert len(batches) == 3
    rows = fundsgate.decide_arrow(pa.Table.from_batches(batches), now=NOW, dictionary=False).to_pylist()
    for row, answer in zip(rows, run_answers):
        if "error" in answer:
            continue
        exposure = answer["exposure"] or {}
        assert (row["decision"], row["rule"], row["required"], row["max_allowed"]) == (
            answer["decision"], answer["rule"], answer["required"], answer["max_allowed"]), (row, answer)
        assert (row["exposure_count"], row["exposure_amount"], row["not_before"]) == (
            exposure.get("count"), exposure.get("amount"), answer["not_before"]), (row, answer)
