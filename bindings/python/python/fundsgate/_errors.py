"""The exceptions fundsgate raises (the native module raises these classes)."""

from __future__ import annotations

from typing import Literal

#: What kind of fault an input error is.
ErrorKind = Literal["syntax", "unknown_field", "duplicate", "missing", "invalid", "not_an_account"]


class InputError(ValueError):
    """An input fundsgate cannot read: malformed JSON, a bad amount, a
    document that is no account... ``path`` is the JSON path at fault
    (``account.balance.cash.available.usd``), or the argument's name
    (``amount``, ``now``). ``kind`` says what kind of fault it is, to match on
    rather than the message: ``"syntax"``, ``"unknown_field"``,
    ``"duplicate"``, ``"missing"``, ``"invalid"`` or ``"not_an_account"``."""

    def __init__(self, message: str, path: str, kind: ErrorKind = "invalid") -> None:
        super().__init__(f"{path}: {message}")
        self.message = message
        self.path = path
        self.kind: ErrorKind = kind

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, ErrorKind]]:
        # Exceptions pickle as ``cls(*self.args)`` by default, and ``args``
        # holds the whole text only: a worker's error could not cross
        # ``multiprocessing`` (the pool hung) without this.
        return (type(self), (self.message, self.path, self.kind))


class PolicyError(InputError):
    """A policy fundsgate refuses (an unknown key, a value out of range...)."""
