"""fundsgate: an ACH pre-debit sufficient-funds gate, the Rust engine from Python.

    >>> import fundsgate
    >>> account = open("examples/accounts/active_cash.json", "rb").read()
    >>> verdict = fundsgate.decide(account, amount=20000, currency="usd", now=1651516600)
    >>> verdict.decision, verdict.reasons, verdict.max_allowed
    ('deny', ['insufficient_funds'], 6000)

``verdict.to_json()`` is byte for byte what ``fundsgate check`` prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fundsgate import _native
from fundsgate._errors import InputError, PolicyError
from fundsgate._native import ENGINE, BatchError, Policy, Verdict, decide, decide_many

if TYPE_CHECKING:
    import pyarrow

__all__ = [
    "ENGINE",
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
    data: pyarrow.RecordBatch | pyarrow.Table,
    *,
    policy: Policy | None = None,
    now: Any = None,
    explanation: bool = False,
    dictionary: bool = True,
) -> pyarrow.RecordBatch:
    """Decides every row of an Arrow record batch or table (needs pyarrow).

    The columns are those of ``fundsgate::arrow`` (see the README): either an
    ``account`` column of provider documents, or typed snapshot columns, plus
    ``amount``, ``currency`` and optional ``in_flight``, ``account_id``,
    ``fetched_at``, ``now``. The result holds the verdict columns, row for row;
    a row that cannot be decided has its message in ``error``. Data crosses
    into Rust and back through the Arrow C data interface, without copies.
    With ``dictionary=False`` the encoded columns (decision, rule, codes...)
    come back as plain strings, as Spark's ``mapInArrow`` wants them.
    """
    import pyarrow as pa

    if isinstance(data, pa.Table):
        batches = data.combine_chunks().to_batches()
        if len(batches) == 0:
            data = pa.RecordBatch.from_pylist([], schema=data.schema)
        elif len(batches) == 1:
            data = batches[0]
        else:
            data = pa.Table.from_batches(batches).combine_chunks().to_batches()[0]
    out: pyarrow.RecordBatch = _native.decide_arrow(
        data, policy=policy, now=now, explanation=explanation
    )
    if dictionary:
        return out
    return _plain(out)


def _plain(batch: pyarrow.RecordBatch) -> pyarrow.RecordBatch:
    """The batch with dictionary-encoded columns (and lists of them) decoded."""
    import pyarrow as pa

    columns = []
    for column in batch.columns:
        kind = column.type
        if pa.types.is_dictionary(kind):
            column = column.dictionary_decode()
        elif pa.types.is_list(kind) and pa.types.is_dictionary(kind.value_type):
            column = pa.ListArray.from_arrays(
                column.offsets, column.values.dictionary_decode(), mask=column.is_null()
            )
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)
