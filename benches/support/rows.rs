//! One input per row of the decision table (SPEC v3 §5), built with the public
//! API only: the `decide` benchmark times each row, and `tests/alloc.rs`
//! checks that none allocates.
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    dead_code,
    reason = "fixture code: a failure aborts the run; not every user needs every item"
)]

#[path = "with.rs"]
mod with;
use fundsgate::{
    AccountNumbers, Balance, BalanceType, Category, Currency, CurrencyMap, Debit, NextRefresh,
    Policy, Presentment, PriorDebit, PriorDebits, ProviderError, ProviderResult, Refresh,
    RefreshStatus, ReturnCode, Rule, Snapshot, Status, Velocity, VelocityLimit,
};
use with::with;

/// The evaluation instant.
pub const NOW: i64 = 1_651_516_600;
const AS_OF: i64 = NOW - 8;
const DAY: i64 = 86_400;

/// A row's input: the account (`None`: unlinked), the debit, the policy, and
/// the row it reaches.
pub struct RowCase {
    pub rule: Rule,
    pub snapshot: Option<Snapshot>,
    pub debit: Debit,
    pub policy: Policy,
}

fn usd() -> Currency {
    Currency::new("usd").unwrap()
}

fn debit(amount: i64) -> Debit {
    Debit::new(amount, usd(), 0).unwrap()
}

fn cash(as_of: i64, available: Option<i64>, current: Option<i64>) -> Balance {
    let map = |v: Option<i64>| v.map(|v| CurrencyMap::from_pairs([(usd(), v)]).unwrap());
    with!(Balance::new(Some(as_of), BalanceType::Cash, map(current).unwrap_or_default());
        available: map(available),
    )
}

fn refresh(status: RefreshStatus, next: Option<i64>) -> Option<Refresh> {
    Some(with!(Refresh::new(status);
        last_attempted_at: Some(AS_OF - 10),
        next_refresh_available_at: next.map_or(NextRefresh::Unavailable, NextRefresh::At),
    ))
}

fn account(status: Status, balance: Option<Balance>, refresh: Option<Refresh>) -> Snapshot {
    with!(Snapshot::new(status);
        category: Some(Category::Cash),
        balance: balance,
        refresh: refresh,
        balances_permitted: Some(true),
        ach_supported: Some(true),
        account_numbers: AccountNumbers::Transactable,
        livemode: fundsgate::Livemode::Is(true),
    )
}

fn healthy() -> Snapshot {
    account(
        Status::Active,
        Some(cash(AS_OF, Some(1_000_000), Some(1_000_000))),
        refresh(RefreshStatus::Succeeded, Some(NOW + 3_600)),
    )
}

fn represented(codes: &[&str], settled: i64) -> Debit {
    let codes = codes.iter().map(|c| c.parse::<ReturnCode>().unwrap());
    debit(5_000).with_presentment(Presentment::new(settled, codes))
}

/// `debit` with prior debits of `(amount, initiated_at)`, not settled.
pub fn with_prior(debit: Debit, prior: &[(i64, i64)]) -> Debit {
    let prior = prior
        .iter()
        .map(|&(amount, at)| PriorDebit::new(amount, usd(), at).unwrap());
    debit.with_prior(PriorDebits::new(prior).unwrap())
}

/// A policy of one velocity limit.
pub fn velocity(window: u32, count: Option<u32>, amount: Option<u64>) -> Policy {
    let amount = amount.map_or_else(CurrencyMap::new, |a| CurrencyMap::single(usd(), a));
    let limit = VelocityLimit::new(window, count, amount).unwrap();
    Policy::builder()
        .velocity(Velocity::new([limit]).unwrap())
        .build()
}

/// A policy with every cushion and an allowance, so that the softened rows
/// pay for their softening.
pub fn lenient() -> Policy {
    Policy::builder()
        .buffer_ratio("0.05".parse().unwrap())
        .current_extra_ratio("0.125".parse().unwrap())
        .buffer_min(50)
        .unverified_allowance(CurrencyMap::from_pairs([(usd(), 10_000)]).unwrap())
        .build()
}

/// One case per row, in table order.
pub fn cases() -> Vec<RowCase> {
    let with = |f: fn(&mut Snapshot)| {
        let mut s = healthy();
        f(&mut s);
        Some(s)
    };
    let stale = |r| {
        Some(account(
            Status::Active,
            Some(cash(NOW - 90_000, Some(9_000), None)),
            r,
        ))
    };
    let missing = |status, r| Some(account(status, None, r));
    let live = Policy::builder().livemode(Some(false)).build();
    let d = || debit(5_000);
    let case = |rule, snapshot, debit, policy| RowCase {
        rule,
        snapshot,
        debit,
        policy,
    };
    vec![
        case(
            Rule::NotRetryable,
            Some(healthy()),
            represented(&["R02"], NOW),
            Policy::default(),
        ),
        case(
            Rule::RetryLimit,
            Some(healthy()),
            represented(&["R01", "R01", "R01"], NOW),
            Policy::default(),
        ),
        case(
            Rule::RetryWindow,
            Some(healthy()),
            represented(&["R01"], NOW - 200 * DAY),
            Policy::default(),
        ),
        case(
            Rule::VelocityCount,
            Some(healthy()),
            with_prior(debit(5_000), &[(3_000, NOW - 60)]),
            velocity(3_600, Some(1), None),
        ),
        case(
            Rule::VelocityAmount,
            Some(healthy()),
            with_prior(debit(5_000), &[(3_000, NOW - 60)]),
            velocity(3_600, None, Some(6_000)),
        ),
        case(Rule::Unlinked, None, d(), lenient()),
        case(
            Rule::Unrecognized,
            with(|s| s.status = Status::Unrecognized),
            d(),
            Policy::default(),
        ),
        case(Rule::Livemode, Some(healthy()), d(), live),
        case(
            Rule::Closed,
            with(|s| s.closed = true),
            d(),
            Policy::default(),
        ),
        case(
            Rule::NotDebitable,
            with(|s| s.ach_supported = Some(false)),
            d(),
            Policy::default(),
        ),
        case(
            Rule::NumbersDeactivated,
            with(|s| s.account_numbers = AccountNumbers::NoneTransactable),
            d(),
            Policy::default(),
        ),
        case(
            Rule::ProviderDeclined,
            with(|s| s.provider_result = Some(ProviderResult::Decline)),
            d(),
            Policy::default(),
        ),
        case(
            Rule::ProviderReview,
            with(|s| s.provider_result = Some(ProviderResult::Review)),
            d(),
            lenient(),
        ),
        case(
            Rule::Credit,
            with(|s| s.category = Some(Category::Credit)),
            d(),
            Policy::default(),
        ),
        case(
            Rule::Category,
            with(|s| s.category = Some(Category::Other)),
            d(),
            lenient(),
        ),
        case(
            Rule::MissingLinkDown,
            missing(Status::Disconnected, None),
            d(),
            lenient(),
        ),
        case(
            Rule::MissingNotPermitted,
            missing(Status::Active, None).map(|s| {
                with!(s;
                    balances_permitted: Some(false),
                )
            }),
            d(),
            Policy::default(),
        ),
        case(
            Rule::MissingRequestFailed,
            missing(Status::Active, None).map(|s| {
                with!(s;
                    request_failed: true,
                    provider_error: Some(ProviderError::new(Some("INVALID_INPUT"), Some("INVALID_ACCESS_TOKEN"))),
                )
            }),
            debit(20_000),
            lenient(),
        ),
        case(
            Rule::MissingNeverRefreshed,
            missing(Status::Active, None),
            d(),
            Policy::default(),
        ),
        case(
            Rule::MissingPending,
            missing(Status::Active, refresh(RefreshStatus::Pending, None)),
            d(),
            Policy::default(),
        ),
        case(
            Rule::MissingFailedCanStart,
            missing(Status::Active, refresh(RefreshStatus::Failed, Some(NOW))),
            d(),
            Policy::default(),
        ),
        case(
            Rule::MissingFailedLater,
            missing(
                Status::Active,
                refresh(RefreshStatus::Failed, Some(NOW + 9)),
            ),
            debit(20_000),
            lenient(),
        ),
        case(
            Rule::MissingNotShared,
            missing(Status::Active, refresh(RefreshStatus::Succeeded, None)),
            d(),
            lenient(),
        ),
        case(
            Rule::NoCurrency,
            Some(account(Status::Active, Some(cash(AS_OF, None, None)), None)),
            d(),
            lenient(),
        ),
        case(
            Rule::Future,
            Some(account(
                Status::Active,
                Some(cash(NOW + 9_000, Some(9_000), None)),
                None,
            )),
            d(),
            Policy::default(),
        ),
        case(
            Rule::StaleLinkDown,
            Some(account(
                Status::Inactive,
                Some(cash(NOW - 90_000, Some(9_000), None)),
                None,
            )),
            d(),
            Policy::default(),
        ),
        case(
            Rule::StaleNotPermitted,
            stale(None).map(|s| {
                with!(s;
                    balances_permitted: Some(false),
                )
            }),
            d(),
            Policy::default(),
        ),
        case(
            Rule::StalePending,
            stale(refresh(RefreshStatus::Pending, None)),
            d(),
            Policy::default(),
        ),
        case(Rule::StaleCanStart, stale(None), d(), Policy::default()),
        case(
            Rule::StaleLater,
            stale(refresh(RefreshStatus::Failed, Some(NOW + 60))),
            d(),
            Policy::default(),
        ),
        // The costliest path: current basis, every cushion, warnings, retry,
        // and max_allowed.
        case(
            Rule::Sufficient,
            Some(account(
                Status::Inactive,
                Some(cash(AS_OF, None, Some(90_000))),
                refresh(RefreshStatus::Failed, Some(NOW + 5)),
            )),
            represented(&["R01"], NOW - DAY),
            lenient(),
        ),
        case(
            Rule::Insufficient,
            Some(healthy()),
            debit(2_000_000),
            lenient(),
        ),
    ]
}
