"""Issue 18: every front end as strict as a batch line, nothing crashes the
host, and Python objects behave as Python users expect. Each test is named
after the reproduction it pins down."""

from __future__ import annotations

import copy
import decimal
import json
import multiprocessing
import pathlib
import pickle
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import fundsgate
from conftest import NOW, ROOT, run_cli

ACTIVE = (ROOT / "examples" / "accounts" / "active_cash.json").read_bytes()
ACTIVE_TEXT = json.dumps(json.loads(ACTIVE))


def frame(**extra: Any) -> pd.DataFrame:
    return pd.DataFrame({"account": [ACTIVE_TEXT], "amount": [5000], "currency": ["usd"], **extra})


def arrow_error(data: Any, **kwargs: Any) -> fundsgate.InputError:
    with pytest.raises(fundsgate.InputError) as e:
        fundsgate.decide_arrow(data, now=NOW, **kwargs)
    return e.value


# ---- Money risk: a typo never changes a decision ----------------------------------


def test_a_misspelt_in_flight_column_is_an_error_not_an_allow() -> None:
    table = pa.Table.from_pandas(frame(inflight=[6000]), preserve_index=False)
    e = arrow_error(table)
    assert e.path == "inflight" and "the nearest is `in_flight`" in e.message
    table = pa.Table.from_pandas(frame(in_flight=[6000]), preserve_index=False)
    assert fundsgate.decide_arrow(table, now=NOW, dictionary=False).to_pylist()[0]["rule"] == "insufficient"


def test_a_misspelt_returns_column_is_an_error() -> None:
    table = pa.table({"account": [ACTIVE_TEXT], "amount": [5000], "currency": ["usd"], "return_codes": [["R02"]]})
    e = arrow_error(table)
    assert e.path == "return_codes" and "`returns`" in e.message


@pytest.mark.parametrize("name", ["is_closed", "supports_ach", "balance_permitted"])
def test_misnamed_typed_columns_are_errors(name: str) -> None:
    batch = pa.record_batch({"status": ["active"], name: [True], "amount": [1], "currency": ["usd"]})
    assert arrow_error(batch).path == name


def test_two_columns_of_one_name_are_an_error() -> None:
    batch = pa.RecordBatch.from_arrays(
        [pa.array(["active"]), pa.array(["inactive"]), pa.array([1]), pa.array(["usd"])],
        names=["status", "status", "amount", "currency"],
    )
    e = arrow_error(batch)
    assert e.path == "status" and "twice" in e.message


def test_passthrough_keys_survive_the_round_trip() -> None:
    df = frame(order_id=["ord_1"])
    table = pa.Table.from_pandas(df, preserve_index=False)
    assert arrow_error(table).path == "order_id"
    out = fundsgate.decide_arrow(table, now=NOW, passthrough=["order_id"], dictionary=False).to_pandas()
    assert list(out["order_id"]) == ["ord_1"] and list(out["rule"]) == ["sufficient"]


def test_an_int_subclass_is_read_by_value_not_by_its_str() -> None:
    class Liar(int):
        def __str__(self) -> str:
            return "6000"

        __repr__ = __str__

    account = json.loads(ACTIVE)
    account["balance"]["cash"]["available"]["usd"] = Liar(1)
    account["balance"]["current"]["usd"] = Liar(1)
    v = fundsgate.decide(account, amount=Liar(5000), currency="usd", now=NOW)
    assert (v.balance, v.required, v.decision) == (1, 5000, "deny")


# ---- Nothing crashes the host -------------------------------------------------------


def run_isolated(code: str) -> subprocess.CompletedProcess[str]:
    """Runs `code` in a fresh interpreter: a crash fails the test instead of
    killing the test runner."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300
    )


#: Builds `batch(offsets)`: a record batch whose account strings claim
#: `offsets` over 87 bytes of data (the issue's reproduction).
LYING = """
import pyarrow as pa, fundsgate
from fundsgate import _native
def batch(offsets):
    data = pa.py_buffer(b"x" * 87)
    off = pa.py_buffer(pa.array(offsets, pa.int32()).buffers()[1])
    account = pa.Array.from_buffers(pa.string(), 2, [None, off, data])
    return pa.RecordBatch.from_arrays(
        [account, pa.array([1, 1]), pa.array(["usd", "usd"])], names=["account", "amount", "currency"])
"""


def test_lying_offsets_are_an_error_not_a_segfault() -> None:
    out = run_isolated(LYING + f"""
for offsets in ([0, 100000000, 87], [0, 4087, 87]):
    try:
        fundsgate.decide_arrow(batch(offsets), now={NOW})
    except fundsgate.InputError as e:
        assert "invalid Arrow data" in str(e), e
        print("refused")
    else:
        raise SystemExit("accepted lying offsets")
""")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["refused", "refused"]


def test_lying_offsets_are_refused_by_the_native_import_too() -> None:
    # The same data straight into the native function (no pyarrow-side check).
    out = run_isolated(LYING + f"""
for offsets in ([0, 100000000, 87], [0, 4087, 87]):
    try:
        _native.decide_arrow(batch(offsets), now={NOW})
    except fundsgate.InputError as e:
        print("refused:", e)
""")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 2 and all(l.startswith("refused: (batch): invalid Arrow data") for l in lines), out.stdout


def test_a_struct_array_with_a_null_row_is_an_error_not_a_panic() -> None:
    rows = pa.array([{"account": ACTIVE_TEXT, "amount": 1, "currency": "usd"}, None])
    e = arrow_error(rows)
    assert "row 1 is null" in e.message


def test_an_object_whose_to_dict_returns_itself_is_an_error() -> None:
    out = run_isolated("""
        import fundsgate
        class Loop:
            def to_dict(self): return self
        for call in (lambda: fundsgate.decide(Loop(), amount=1, currency="usd", now=1),
                     lambda: fundsgate.Policy(Loop())):
            try:
                call()
            except fundsgate.InputError as e:
                print(type(e).__name__, "deeper than" in e.message)
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["InputError", "True", "PolicyError", "True"]


@pytest.mark.parametrize("jobs", [0, 257, 10**9])
def test_jobs_out_of_range_is_an_error(jobs: int) -> None:
    with pytest.raises(fundsgate.InputError) as e:
        fundsgate.decide_many(b"", now=NOW, jobs=jobs)
    assert e.value.path == "jobs"


# ---- Lost or unreadable output --------------------------------------------------------


def test_every_batch_of_a_table_is_decided() -> None:
    one = pa.table({"account": [ACTIVE_TEXT] * 3, "amount": [1, 2, 3], "currency": ["usd"] * 3})
    table = pa.concat_tables([one, one, one])
    assert len(table.to_batches()) == 3
    out = fundsgate.decide_arrow(table, now=NOW, dictionary=False)
    assert isinstance(out, pa.Table) and out.num_rows == 9
    # One run across the batches: each allowed debit counts against the
    # next rows of the same account, whichever batch they are in.
    assert out.column("required").to_pylist() == [1, 3, 6, 7, 9, 12, 13, 15, 18]
    assert out.column("exposure_count").to_pylist() == [None, 1, 2, 3, 4, 5, 6, 7, 8]
    alone = fundsgate.decide_arrow(table, now=NOW, dictionary=False, independent=True)
    assert alone.column("required").to_pylist() == [1, 2, 3] * 3
    reader = pa.RecordBatchReader.from_batches(one.schema, table.to_batches())
    assert fundsgate.decide_arrow(reader, now=NOW).num_rows == 9


def test_ids_beyond_u64_stay_exact_ints() -> None:
    line = b'{"id": 18446744073709551617, "account": null, "amount": 1, "currency": "usd"}\n'
    line += b'{"id": 18446744073709551616, "account": null, "amount": 1, "currency": "usd"}'
    ids = [a.id for a in fundsgate.decide_many(line, now=NOW)]
    assert ids == [18446744073709551617, 18446744073709551616]
    assert all(type(i) is int for i in ids)


# ---- Python as Python users expect ---------------------------------------------------------


def _decide_bad(_: int) -> str:
    fundsgate.decide(b"{", amount=1, currency="usd", now=NOW)
    return "no error"


def test_errors_cross_a_multiprocessing_pool() -> None:
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        with pytest.raises(fundsgate.InputError) as e:
            pool.map(_decide_bad, range(2), chunksize=1)
    assert e.value.path == "account"
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as ex:
        with pytest.raises(fundsgate.InputError):
            list(ex.map(_decide_bad, range(2)))


def test_verdicts_policies_and_errors_pickle_and_copy() -> None:
    policy = fundsgate.Policy({"name": "cautious", "buffer_ratio": "0.1"})
    verdict = fundsgate.decide(ACTIVE, amount=100, currency="usd", now=NOW, policy=policy)
    many = fundsgate.decide_many(b'{"id": 7, "account": null, "amount": 1, "currency": "usd"}\n{"id": 8}', now=NOW)
    errors = [fundsgate.InputError("m", "p"), fundsgate.PolicyError("m", "q")]
    for value in [policy, verdict, *many, *errors]:
        for again in (pickle.loads(pickle.dumps(value)), copy.deepcopy(value), copy.copy(value)):
            assert type(again) is type(value)
            if isinstance(value, fundsgate.InputError):
                assert isinstance(again, fundsgate.InputError)
                assert (again.message, again.path, str(again)) == (value.message, value.path, str(value))
            else:
                assert again == value
    assert pickle.loads(pickle.dumps(verdict)).to_json() == verdict.to_json()
    assert pickle.loads(pickle.dumps(many[0])).id == 7


def test_numpy_integers_and_decimals_are_accepted() -> None:
    df = pd.DataFrame({"amount": [5000, 7000]})
    for row in df.itertuples():
        v = fundsgate.decide(ACTIVE, amount=row.amount, currency="usd", now=np.int64(NOW))
        assert v.required == int(row.amount)
    policy = fundsgate.Policy({"buffer_ratio": decimal.Decimal("0.10"), "buffer_min": np.int64(5)})
    assert policy == fundsgate.Policy({"buffer_ratio": "0.1", "buffer_min": 5})
    with pytest.raises(fundsgate.PolicyError):
        fundsgate.Policy({"buffer_ratio": decimal.Decimal("NaN")})
    with pytest.raises(fundsgate.InputError):
        fundsgate.decide(ACTIVE, amount=np.float64(5000), currency="usd", now=NOW)  # type: ignore[arg-type]
    with pytest.raises(fundsgate.InputError):
        fundsgate.decide(ACTIVE, amount=True, currency="usd", now=NOW)


def test_a_missing_policy_file_is_file_not_found() -> None:
    with pytest.raises(FileNotFoundError):
        fundsgate.Policy.from_file("no/such/policy.json")


def test_the_package_has_a_version() -> None:
    assert fundsgate.__version__ == fundsgate.ENGINE.removeprefix("fundsgate ")


def test_a_pandas_dataframe_is_read_or_told_what_to_pass() -> None:
    df = frame()
    if hasattr(df, "__arrow_c_stream__"):
        assert fundsgate.decide_arrow(df, now=NOW).num_rows == 1
    else:
        with pytest.raises(TypeError, match="from_pandas"):
            fundsgate.decide_arrow(df, now=NOW)


# ---- The types real frames hold ---------------------------------------------------------------


def test_the_types_frames_hold_are_read() -> None:
    batch = pa.record_batch({
        "account": pa.array([ACTIVE], pa.binary_view()),
        "amount": pa.array([5000], pa.int32()),
        "currency": pa.array(["usd"]).dictionary_encode(),
        "in_flight": pa.array([1], pa.uint64()),
        "now": pa.array([NOW * 1_000_000], pa.timestamp("us", tz="UTC")),
        "returns": pa.array([["R01"]], pa.large_list(pa.string())),
        "original_settlement": pa.array([NOW - 86_400], pa.timestamp("s")),
    })
    row = fundsgate.decide_arrow(batch, dictionary=False).to_pylist()[0]
    v = fundsgate.decide(ACTIVE, amount=5000, in_flight=1, currency="usd", now=NOW,
                         presentment={"original_settlement": NOW - 86_400, "returns": ["R01"]})
    assert (row["rule"], row["required"], row["retry_attempt"]) == (v.rule, v.required, 1)


def test_a_null_amount_is_that_rows_error() -> None:
    df = pd.DataFrame({"account": [ACTIVE_TEXT] * 2, "amount": pd.array([None, 5000], dtype="Int64"), "currency": ["usd"] * 2})
    rows = fundsgate.decide_arrow(pa.Table.from_pandas(df, preserve_index=False), now=NOW, dictionary=False).to_pylist()
    assert rows[0]["error"] == "amount: null" and rows[1]["rule"] == "sufficient"
    # One NaN makes pandas' column float: the row is null, the others decided.
    floats = pd.DataFrame({"account": [ACTIVE_TEXT] * 3, "amount": [None, 5000, 5000.5], "currency": ["usd"] * 3})
    assert floats["amount"].dtype == "float64"
    rows = fundsgate.decide_arrow(pa.Table.from_pandas(floats, preserve_index=False), now=NOW, dictionary=False).to_pylist()
    assert rows[0]["error"] == "amount: null" and rows[1]["rule"] == "sufficient"
    assert rows[2]["error"].startswith("amount: not a whole number")


# ---- The same error for the same bad input, everywhere ------------------------------------------


@pytest.mark.parametrize("document", [
    b'{"status": "active", "balance": {"current": {"usd": 1}}}',
    b'{"object": "customer", "id": "cus_1"}',
    b'{"status": "active", "nickname": "\xff", "balance": null}',
    b'{"status": "active", "balance": {"as_of": 1, "type": "cash", "current": {"usd": 6000.5}}}',
    b"{",
])
def test_one_bad_account_one_message_on_every_front_end(cli: pathlib.Path, document: bytes) -> None:
    with pytest.raises(fundsgate.InputError) as e:
        fundsgate.decide(document, amount=1, currency="usd", now=NOW)
    expected = str(e.value)
    assert expected.startswith("account")
    line = b'{"id": 1, "account": ' + document + b', "amount": 1, "currency": "usd"}'
    if document != b"{":
        many = fundsgate.decide_many(line, now=NOW)[0]
        assert isinstance(many, fundsgate.BatchError) and many.message == expected
        answer = json.loads(run_cli(cli, "batch", "--now", str(NOW), stdin=line).stdout)
        assert answer["error"] == expected
    arrow = pa.record_batch({"account": pa.array([document], pa.binary()), "amount": [1], "currency": ["usd"]})
    assert fundsgate.decide_arrow(arrow, now=NOW, dictionary=False).to_pylist()[0]["error"] == expected
    check = run_cli(cli, "check", "--account", "-", "--amount", "1", "--currency", "usd", "--now", str(NOW), stdin=document)
    assert check.returncode == 2
    assert check.stderr.decode().strip() == f"fundsgate: {expected}"


MALFORMED = r'''
import random, struct, sys
import pyarrow as pa
import fundsgate

rng = random.Random(int(sys.argv[1]))
ACCOUNT = b'{"object": "financial_connections.account", "status": "active", "balance": {"as_of": 1651516592, "type": "cash", "current": {"usd": 6000}}}'

def buf(values, fmt):
    return pa.py_buffer(struct.pack("<%d%s" % (len(values), fmt), *values))

def strings(n, large=False):
    """A string array of n rows built from raw buffers: offsets that may
    lie (out of order, past the data), bytes that may not be UTF-8, a
    validity bitmap that may be short or set at random."""
    data = bytes(rng.choice([ACCOUNT, b"\xff\xfe", b"usd", b"{", b"x" * rng.randint(0, 40)]))
    offsets = sorted(rng.randint(0, len(data)) for _ in range(n + 1))
    if rng.random() < 0.5:
        i = rng.randrange(n + 1)
        offsets[i] = rng.choice([-1, len(data) + rng.randint(1, 10**6), 2**31 - 1, 0])
    nulls = None
    if rng.random() < 0.3:
        nulls = pa.py_buffer(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, (n + 7) // 8))))
    kind, fmt = (pa.large_binary(), "q") if large else (rng.choice([pa.string(), pa.binary()]), "i")
    return pa.Array.from_buffers(kind, n, [nulls, buf(offsets, fmt), pa.py_buffer(data)],
                                 offset=rng.choice([0, 0, 1]) if n > 1 else 0)

def ints(n):
    kind = rng.choice([pa.int64(), pa.int32(), pa.uint64(), pa.int8(), pa.float64(), pa.bool_(),
                       pa.timestamp("ms"), pa.string()])
    try:
        return pa.array([rng.choice([None, 0, 1, 5000, -1, 2**31 - 1]) for _ in range(n)]).cast(kind, safe=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([rng.randint(1, 10**6) for _ in range(n)], pa.int64())

refused = decided = 0
def build(n):
    columns = {"amount": ints(n), "currency": pa.array(["usd"] * n)}
    if rng.random() < 0.8:
        columns["account"] = strings(n, large=rng.random() < 0.2)
    else:
        columns["status"] = rng.choice([strings(n), pa.array(["active"] * n)])
        columns["as_of"] = ints(n)
        columns["available"] = ints(n)
    if rng.random() < 0.3:
        columns["returns"] = pa.array([rng.choice([None, [], ["R01"], ["r01", None]]) for _ in range(n)])
        columns["original_settlement"] = ints(n)
    if rng.random() < 0.1:
        columns[rng.choice(["inflight", "amount ", "Status"])] = ints(n)
    return pa.RecordBatch.from_arrays(list(columns.values()), names=list(columns))

for case in range(int(sys.argv[2])):
    try:
        # pyarrow itself refuses some lies as they are built: not our case.
        batch = build(rng.randint(1, 6))
    except (pa.ArrowInvalid, ValueError):
        continue
    data = batch
    shape = rng.random()
    if shape < 0.2 and batch.num_rows > 1:
        data = batch.slice(1)
    elif shape < 0.4:
        data = pa.Table.from_batches([batch, batch])
    elif shape < 0.5:
        data = pa.StructArray.from_arrays(batch.columns, names=batch.schema.names,
                                          mask=pa.array([rng.random() < 0.3 for _ in range(batch.num_rows)]))
    try:
        out = fundsgate.decide_arrow(data, now=1651516600, dictionary=rng.random() < 0.5)
        out.validate(full=True)
        decided += 1
    except (fundsgate.InputError, TypeError):
        refused += 1
print(decided, refused)
'''


@pytest.mark.parametrize("seed", range(4))
def test_malformed_arrow_input_is_an_error_never_a_crash(seed: int) -> None:
    """Random Arrow data built from raw buffers — lying offsets, bytes that
    are not UTF-8, short or random validity bitmaps, slices, tables of
    several batches, struct arrays with null rows, columns of every type,
    misspelt names — each decided or refused with an InputError or a
    TypeError, in a subprocess: a crash or any other exception fails."""
    out = subprocess.run([sys.executable, "-c", MALFORMED, str(seed), "300"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    decided, refused = map(int, out.stdout.split())
    assert decided > 0 and refused > 0, out.stdout


def test_errors_say_their_kind() -> None:
    """Callers match on `kind`, never on the message's text."""
    cases: list[tuple[Any, str]] = [
        (lambda: fundsgate.decide(b"{", amount=1, currency="usd", now=NOW), "syntax"),
        (lambda: fundsgate.decide(b'{"status": "active", "balance": {"current": {}}}', amount=1, currency="usd", now=NOW), "missing"),
        (lambda: fundsgate.decide(b'{"object": "customer"}', amount=1, currency="usd", now=NOW), "not_an_account"),
        (lambda: fundsgate.decide(b'{"status": "active", "status": "active"}', amount=1, currency="usd", now=NOW), "duplicate"),
        (lambda: fundsgate.Policy({"bufer_ratio": "0.1"}), "unknown_field"),
        (lambda: fundsgate.decide_arrow(pa.table(frame(inflight=[1])), now=NOW), "unknown_field"),
        (lambda: fundsgate.decide_arrow(pa.record_batch({"currency": ["usd"]}), now=NOW), "missing"),
        (lambda: fundsgate.decide(ACTIVE, amount=0, currency="usd", now=NOW), "invalid"),
    ]
    for call, kind in cases:
        with pytest.raises(fundsgate.InputError) as e:
            call()
        assert e.value.kind == kind, (kind, e.value)
        assert pickle.loads(pickle.dumps(e.value)).kind == kind


def test_the_tests_find_cargos_target_directory(tmp_path: pathlib.Path) -> None:
    """With `CARGO_TARGET_DIR` set (common on developer machines), the tests
    ask cargo where it builds instead of assuming ./target."""
    import os

    import conftest

    old = os.environ.get("CARGO_TARGET_DIR")
    os.environ["CARGO_TARGET_DIR"] = str(tmp_path)
    try:
        assert conftest._target_dir() == tmp_path
    finally:
        if old is None:
            del os.environ["CARGO_TARGET_DIR"]
        else:
            os.environ["CARGO_TARGET_DIR"] = old
