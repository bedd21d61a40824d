"""The exceptions fundsgate raises (the native module raises these classes)."""

from __future__ import annotations


class InputError(ValueError):
    """An input fundsgate cannot read: malformed JSON, a bad amount, a
    document that is no account... ``path`` is the JSON path at fault
    (``balance.cash.available.usd``, ``accounts[0].balances.current``), or the
    argument's name (``amount``, ``now``)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.message = message
        self.path = path

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str]]:
        # Exceptions pickle as ``cls(*self.args)`` by default, and ``args``
        # holds the whole text only: a worker's error could not cross
        # ``multiprocessing`` (the pool hung) without this.
        return (type(self), (self.message, self.path))


class PolicyError(InputError):
    """A policy fundsgate refuses (an unknown key, a value out of range...)."""
