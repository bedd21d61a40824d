"""The vocabulary of verdicts as types, importable at run time
(``from fundsgate import Code, Rule, VerdictDict``). A test checks each
``Literal`` against the verdict's JSON Schema, so they cannot drift."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Literal, Protocol, SupportsIndex, TypedDict

#: An instant: unix seconds (an integer by value: ``int``, ``numpy.int64``)
#: or an aware ``datetime``.
Instant = SupportsIndex | datetime.datetime


class Model(Protocol):
    """An SDK model (the Plaid SDK's, stripe-python's objects): read through
    its ``to_dict()``."""

    def to_dict(self) -> Mapping[str, Any]: ...


#: An account document: the provider's bytes or text, a mapping, an SDK
#: model, or None for an unlinked debit.
Account = bytes | str | Mapping[str, Any] | Model | None

Decision = Literal["allow", "deny", "refresh_needed"]
Basis = Literal["available", "current"]
Provider = Literal["stripe", "plaid", "snapshot"]
RefreshAction = Literal["initiate", "wait", "retry_after"]
Code = Literal[
    "insufficient_funds", "unrecognized_value", "livemode_mismatch", "account_closed",
    "ach_not_supported", "account_number_deactivated", "provider_declined", "provider_review",
    "credit_account", "category_not_accepted",
    "return_not_retryable", "retry_limit_reached", "retry_window_closed",
    "velocity_count_exceeded", "velocity_amount_exceeded", "no_balance_data",
    "balance_missing", "currency_not_in_balance", "balance_from_future", "balance_stale",
    "used_current_balance", "account_disconnected", "account_inactive", "balances_not_permitted",
    "request_failed", "refresh_not_requested", "refresh_pending", "refresh_failed", "relink_required",
    "deactivation_expected", "funds_not_verified",
]
Rule = Literal[
    "unlinked", "unrecognized", "livemode", "closed", "not_debitable", "numbers_deactivated",
    "provider_declined", "provider_review", "credit", "category", "not_retryable", "retry_limit", "retry_window", "velocity_count",
    "velocity_amount", "missing_link_down",
    "missing_not_permitted", "missing_request_failed", "missing_never_refreshed",
    "missing_pending",
    "missing_failed_can_start", "missing_failed_later", "missing_not_shared", "no_currency",
    "future", "stale_link_down", "stale_not_permitted", "stale_pending", "stale_can_start",
    "stale_later", "sufficient", "insufficient",
]


class RefreshDict(TypedDict):
    """``verdict.refresh``: what the pipeline does about the balance."""

    action: RefreshAction
    not_before: int | None


class RetryDict(TypedDict):
    """``verdict.retry``: a re-presentment's attempt and entry description."""

    attempt: int
    entry_description: Literal["RETRY PYMT"]


class DebitDict(TypedDict):
    """``verdict.debit``."""

    amount: int
    currency: str
    in_flight: int
    id: str | None


class ExposureDict(TypedDict):
    """``verdict.exposure``: the prior debits counted against the balance."""

    count: int
    amount: int


class _PriorDebitRequired(TypedDict):
    amount: SupportsIndex
    currency: str
    initiated_at: Instant


class PriorDebitDict(_PriorDebitRequired, total=False):
    """One entry of ``prior=[...]``: an earlier debit of the account that was
    initiated and has not failed or been returned."""

    id: str | None
    settled_at: Instant | None


class ProviderErrorDict(TypedDict):
    """``verdict.provider_error``: the provider's error response (Plaid
    ``error_type`` and ``error_code``)."""

    type: str | None
    code: str | None


class PolicyRecordDict(TypedDict):
    """``verdict.policy``."""

    name: str | None
    fingerprint: str


class _VerdictDictRequired(TypedDict):
    decision: Decision
    reasons: list[Code]
    warnings: list[Code]
    basis: Basis | None
    balance: int | None
    required: int
    max_allowed: int | None
    as_of: int | None
    balance_age_secs: int | None
    refresh: RefreshDict | None
    retry: RetryDict | None
    exposure: ExposureDict | None
    not_before: int | None
    rule: Rule
    account: str | None
    provider: Provider | None
    debit: DebitDict
    evaluated_at: int
    policy: PolicyRecordDict
    engine: str
    explanation: str


class VerdictDict(_VerdictDictRequired, total=False):
    """``verdict.to_dict()``: the verdict's JSON as Python values
    (``provider_error`` only on a verdict on a provider's error response)."""

    provider_error: ProviderErrorDict
