"""fundsgate: an ACH pre-debit sufficient-funds gate, the Rust engine from Python.

    >>> import fundsgate
    >>> account = open("examples/accounts/active_cash.json", "rb").read()
    >>> verdict = fundsgate.decide(account, amount=20000, currency="usd", now=1651516600)
    >>> verdict.decision, verdict.reasons, verdict.max_allowed
    ('deny', ['insufficient_funds'], 6000)

``verdict.to_json()`` is byte for byte what ``fundsgate check`` prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from fundsgate import _native
from fundsgate._errors import InputError, PolicyError
from fundsgate._native import ENGINE, BatchError, Policy, Verdict, decide, decide_many
from fundsgate._types import (
    Basis,
    Code,
    DebitDict,
    Decision,
    ExposureDict,
    PolicyRecordDict,
    ProviderErrorDict,
    PriorDebitDict,
    Provider,
    RefreshAction,
    RefreshDict,
    RetryDict,
    Rule,
    VerdictDict,
)
from fundsgate._errors import ErrorKind

if TYPE_CHECKING:
    import pyarrow

try:
    __version__: str = version("fundsgate")
except PackageNotFoundError:  # pragma: no cover - imported from a source tree
    __version__ = ENGINE.removeprefix("fundsgate ")

__all__ = [
    "ENGINE",
    "Basis",
    "Code",
    "DebitDict",
    "Decision",
    "ExposureDict",
    "PriorDebitDict",
    "ErrorKind",
    "PolicyRecordDict",
    "ProviderErrorDict",
    "Provider",
    "RefreshAction",
    "RefreshDict",
    "RetryDict",
    "Rule",
    "VerdictDict",
    "__version__",
    "BatchError",
    "InputError",
    "Policy",
    "PolicyError",
    "Verdict",
    "decide",
    "decide_arrow",
    "decide_many",
]


def decide_arrow(
    data: Any,
    *,
    policy: Policy | None = None,
    now: Any = None,
    explanation: bool = False,
    dictionary: bool = True,
    passthrough: Sequence[str] = (),
    independent: bool = False,
) -> pyarrow.RecordBatch | pyarrow.Table:
    """Decides every row of Arrow data (needs pyarrow).

    ``data`` is a ``pyarrow.RecordBatch`` (the result is a ``RecordBatch``),
    or anything that streams Arrow data: a ``pyarrow.Table``, a
    ``RecordBatchReader``, a Polars or pandas (≥ 2.2) DataFrame, a DuckDB
    relation: any object with ``__arrow_c_stream__`` (the result is a
    ``pyarrow.Table``, every batch decided, one at a time).

    The columns are those of ``fundsgate::arrow`` (see the README): either an
    ``account`` column of provider documents, or typed snapshot columns, plus
    ``amount``, ``currency`` and optional ``in_flight``, ``account_id``,
    ``fetched_at``, ``now``, ``returns``, ``original_settlement``,
    ``debit_id`` and ``prior`` (a list of structs). Any other column is an
    error naming it, unless listed in ``passthrough``: those
    come back unchanged after the verdict columns (a frame's keys). A row
    that cannot be decided has its message in ``error``. With
    ``dictionary=False`` the encoded columns (decision, rule, codes...) come
    back as plain strings, as Spark's ``mapInArrow`` wants them.

    Rows are decided in order, every batch after the one before: a debit
    allowed on an account (the same provider and ``account_id``) counts
    against the later rows of that account (SPEC §5b). ``independent=True``
    decides every row alone.
    """
    import pyarrow as pa

    options: dict[str, Any] = {
        "policy": policy,
        "now": now if now is not None else _native_now(),
        "explanation": explanation,
        "passthrough": list(passthrough),
        "run": _native.ArrowRun(independent=independent),
    }

    def one(batch: Any) -> pyarrow.RecordBatch:
        if isinstance(batch, pa.RecordBatch):
            # Offsets beyond their buffers can only be seen by the library
            # that knows the buffers' sizes: check here before the import.
            try:
                batch.validate(full=True)
            except pa.ArrowInvalid as e:
                raise InputError(f"invalid Arrow data: {e}", "(batch)") from None
        out = pa.record_batch(_native.decide_arrow(batch, **options))
        return out if dictionary else _plain(out, skip=passthrough)

    if isinstance(data, pa.RecordBatch) or (
        hasattr(data, "__arrow_c_array__") and not hasattr(data, "__arrow_c_stream__")
    ):
        return one(data)
    if not hasattr(data, "__arrow_c_stream__"):
        kind = type(data).__name__
        hint = (
            " (for a pandas DataFrame: pyarrow.Table.from_pandas(df, preserve_index=False))"
            if kind == "DataFrame"
            else ""
        )
        raise TypeError(
            f"decide_arrow expects Arrow data (a pyarrow RecordBatch or Table, or an object "
            f"with __arrow_c_stream__ or __arrow_c_array__), found {kind}{hint}"
        )
    reader = pa.RecordBatchReader.from_stream(data)
    batches = [one(batch) for batch in reader]
    if not batches:
        empty = pa.RecordBatch.from_pylist([], schema=reader.schema)
        return pa.Table.from_batches([one(empty)])
    return pa.Table.from_batches(batches)


def _native_now() -> int:
    """The batch's instant when none is given: one clock reading for every batch."""
    import time

    return int(time.time())


def _plain(batch: Any, skip: Sequence[str] = ()) -> Any:
    """The batch with its dictionary-encoded verdict columns (and lists of
    them) decoded; the ``skip`` columns (passed through) stay as they came."""
    import pyarrow as pa

    columns = []
    for name, column in zip(batch.schema.names, batch.columns):
        kind = column.type
        if name in skip:
            pass
        elif pa.types.is_dictionary(kind):
            column = column.dictionary_decode()
        elif pa.types.is_list(kind) and pa.types.is_dictionary(kind.value_type):
            column = pa.ListArray.from_arrays(
                column.offsets, column.values.dictionary_decode(), mask=column.is_null()
            )
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)
