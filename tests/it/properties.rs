//! Invariants of the engine and the wire model, over generated inputs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "test code: a panic is a failed test"
)]

use crate::common::{NOW, at, proptest_config, with};
use fundsgate::{
    AccountId, AccountNumbers, Balance, BalanceType, Basis, Categories, Category, Code, Currency,
    CurrencyMap, Debit, DebitId, Decision, Livemode, MaxReinitiations, NextRefresh, Policy,
    Presentment, PriorDebit, PriorDebits, Provider, ProviderError, ProviderResult, ProviderReview,
    Ratio, ReadOptions, Refresh, RefreshAction, RefreshStatus, ReturnCode, Rule, Snapshot, Status,
    Velocity, VelocityLimit, Verdict, WindowDays, decide, neutral, plaid, read_account, stripe,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rust_decimal::Decimal;
use serde_json::{Value, json};

// ---- Generators ----------------------------------------------------------------

fn currency() -> impl Strategy<Value = Currency> {
    prop_oneof![Just("usd"), Just("eur"), Just("cad")].prop_map(|c| Currency::new(c).unwrap())
}

fn amount_map() -> impl Strategy<Value = CurrencyMap<i64>> {
    proptest::collection::btree_map(currency(), -1_000_000_i64..10_000_000, 0..3)
        .prop_map(|m| CurrencyMap::from_pairs(m).unwrap())
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        6 => Just(Status::Active),
        2 => Just(Status::Inactive),
        1 => Just(Status::Disconnected),
        1 => Just(Status::Unrecognized),
    ]
}

fn category() -> impl Strategy<Value = Option<Category>> {
    proptest::option::of(prop_oneof![
        Just(Category::Cash),
        Just(Category::Credit),
        Just(Category::Investment),
        Just(Category::Other),
        Just(Category::Unrecognized),
    ])
}

/// Timestamps around NOW, crossing the default staleness and skew limits.
fn instant() -> impl Strategy<Value = i64> {
    prop_oneof![
        (NOW - 200_000)..(NOW + 1_000),
        Just(NOW - 86_400),
        Just(NOW - 86_401),
        Just(NOW + 300),
        Just(NOW + 301),
    ]
}

fn balance() -> impl Strategy<Value = Balance> {
    let kind = prop_oneof![
        8 => Just(BalanceType::Cash),
        1 => Just(BalanceType::Credit),
        1 => Just(BalanceType::Unrecognized),
    ];
    (
        instant(),
        kind,
        amount_map(),
        proptest::option::of(amount_map()),
    )
        .prop_map(|(as_of, kind, current, available)| {
            with!(Balance::new(Some(as_of), kind, current); available: available)
        })
}

fn refresh() -> impl Strategy<Value = Refresh> {
    let status = prop_oneof![
        Just(RefreshStatus::Pending),
        Just(RefreshStatus::Succeeded),
        Just(RefreshStatus::Failed),
        Just(RefreshStatus::Unrecognized),
    ];
    let next = prop_oneof![
        1 => Just(NextRefresh::NotStated),
        2 => Just(NextRefresh::Unavailable),
        4 => instant().prop_map(NextRefresh::At),
    ];
    (status, proptest::option::of(instant()), next).prop_map(
        |(status, last_attempted_at, next_refresh_available_at)| {
            with!(Refresh::new(status);
                last_attempted_at: last_attempted_at,
                next_refresh_available_at: next_refresh_available_at,
            )
        },
    )
}

/// A fact that is mostly unknown or benign, sometimes blocking.
fn fact<T: Clone + std::fmt::Debug>(
    benign: T,
    blocking: T,
    unknown: T,
) -> impl Strategy<Value = T> {
    prop_oneof![4 => Just(unknown), 4 => Just(benign), 1 => Just(blocking)]
}

fn snapshot() -> impl Strategy<Value = Snapshot> {
    let facts = (
        fact(Some(true), Some(false), None),
        fact(Some(true), Some(false), None),
        fact(
            AccountNumbers::Transactable,
            AccountNumbers::NoneTransactable,
            AccountNumbers::Unknown,
        ),
        fact(false, true, false),
        any::<bool>(),
        proptest::option::of(instant()),
        fact(Livemode::Is(true), Livemode::Is(false), Livemode::Missing),
    );
    (
        status(),
        category(),
        proptest::option::of(balance()),
        proptest::option::of(refresh()),
        facts,
        proptest::option::of(account_id()),
    )
        .prop_map(
            |(
                status,
                category,
                balance,
                refresh,
                (balances_permitted, ach_supported, account_numbers, closed, relink, deact, live),
                account_id,
            )| {
                with!(Snapshot::new(status);
                    account_id: account_id,
                    provider: Some(Provider::Stripe),
                    category: category,
                    balance: balance,
                    refresh: refresh,
                    balances_permitted: balances_permitted,
                    ach_supported: ach_supported,
                    account_numbers: account_numbers,
                    closed: closed,
                    relink_required: relink,
                    expected_deactivation: deact,
                    livemode: live,
                )
            },
        )
}

/// [`snapshot`] with the facts Plaid documents add (SPEC v3): a livemode
/// that is not reported, a refused request, a provider's error and its
/// ruleset's result. Neutral snapshots express them all; Stripe documents
/// none, so [`snapshot`] alone is what the Stripe round trip uses.
fn any_snapshot() -> impl Strategy<Value = Snapshot> {
    let result = proptest::option::of(prop_oneof![
        Just(ProviderResult::Accept),
        Just(ProviderResult::Review),
        Just(ProviderResult::Decline),
        Just(ProviderResult::Unrecognized),
    ]);
    let error = proptest::option::of(
        (
            proptest::option::of("[A-Z_]{1,20}"),
            proptest::option::of("[A-Z_]{1,30}"),
        )
            .prop_map(|(t, c)| ProviderError::new(t.as_deref(), c.as_deref())),
    );
    (
        snapshot(),
        prop_oneof![3 => Just(false), 1 => Just(true)],
        prop_oneof![3 => Just(None), 1 => result],
        prop_oneof![3 => Just(None), 1 => error],
        prop_oneof![4 => Just(None), 1 => Just(Some(Livemode::NotReported))],
    )
        .prop_map(
            |(s, request_failed, provider_result, provider_error, livemode)| {
                let livemode = livemode.unwrap_or(s.livemode);
                with!(s;
                    request_failed: request_failed,
                    provider_result: provider_result,
                    provider_error: provider_error,
                    livemode: livemode,
                )
            },
        )
}

/// Ids as Stripe writes them, and stranger ones: quotes, escapes, non-ASCII,
/// longer than the inline capacity.
fn account_id() -> impl Strategy<Value = AccountId> {
    prop_oneof![
        4 => "fca_[A-Za-z0-9]{24}",
        1 => "[a-z\"\\\\é\n ]{0,8}",
        1 => "[A-Za-z0-9]{60,70}",
    ]
    .prop_map(|id| AccountId::new(&id))
}

fn ratio() -> impl Strategy<Value = Ratio> {
    prop_oneof![
        2 => Just(Ratio::ZERO),
        3 => (0_i64..=10_000, 0_u32..=4).prop_map(|(m, s)| Ratio::new(Decimal::new(m, s).min(Decimal::TEN)).unwrap()),
    ]
}

fn categories() -> impl Strategy<Value = Categories> {
    proptest::collection::vec(
        prop_oneof![
            Just(Category::Cash),
            Just(Category::Investment),
            Just(Category::Other)
        ],
        0..3,
    )
    .prop_map(|list| {
        list.into_iter()
            .fold(Categories::NONE, |set, c| set.with(c).unwrap())
    })
}

fn policy() -> impl Strategy<Value = Policy> {
    let v2 = (
        prop_oneof![3 => Just(Categories::CASH), 1 => categories()],
        prop_oneof![3 => Just(None), 1 => proptest::option::of(any::<bool>())],
        0_u8..=2,
        1_u16..=180,
    );
    (
        0_u64..200_000,
        0_u64..1_000,
        any::<bool>(),
        ratio(),
        0_u64..10_000,
        ratio(),
        proptest::collection::btree_map(currency(), 0_u64..100_000, 0..3),
        v2,
        (
            prop_oneof![2 => Just(Velocity::NONE), 1 => velocity()],
            prop_oneof![Just(ProviderReview::Deny), Just(ProviderReview::Decide)],
        ),
    )
        .prop_map(
            |(
                age,
                skew,
                fallback,
                buffer_ratio,
                buffer_min,
                current_extra_ratio,
                allowance,
                (accept_categories, livemode, reinit, window),
                (velocity, provider_review),
            )| {
                Policy::builder()
                    .max_balance_age_secs(age)
                    .max_clock_skew_secs(skew)
                    .fallback_to_current(fallback)
                    .buffer_ratio(buffer_ratio)
                    .buffer_min(buffer_min)
                    .current_extra_ratio(current_extra_ratio)
                    .unverified_allowance(CurrencyMap::from_pairs(allowance).unwrap())
                    .accept_categories(accept_categories)
                    .livemode(livemode)
                    .max_reinitiations(MaxReinitiations::new(reinit).unwrap())
                    .reinitiation_window_days(WindowDays::new(window).unwrap())
                    .velocity(velocity)
                    .provider_review(provider_review)
                    .build()
            },
        )
}

/// Up to three velocity limits of an hour to a week.
fn velocity() -> impl Strategy<Value = Velocity> {
    let limit = (
        prop_oneof![Just(3_600_u32), Just(86_400), 1_u32..=604_800],
        proptest::option::of(1_u32..5),
        proptest::collection::btree_map(currency(), 1_u64..5_000_000, 0..2),
    )
        .prop_filter_map(
            "a limit sets a count or an amount",
            |(w, count, amounts)| {
                VelocityLimit::new(w, count, CurrencyMap::from_pairs(amounts).unwrap()).ok()
            },
        );
    proptest::collection::vec(limit, 1..4).prop_map(|limits| Velocity::new(limits).unwrap())
}

/// Up to six prior debits of the last three days, some settled, some with
/// the id `pi_same` (the debit's own, when it has that id).
fn prior() -> impl Strategy<Value = PriorDebits> {
    let entry = (
        1_i64..2_000_000,
        currency(),
        (NOW - 3 * 86_400)..=NOW,
        proptest::option::of((NOW - 3 * 86_400)..=NOW),
        prop_oneof![3 => Just(None), 1 => Just(Some("pi_same")), 1 => Just(Some("pi_other"))],
    )
        .prop_map(|(amount, ccy, at, settled, id)| {
            let p = PriorDebit::new(amount, ccy, at)
                .unwrap()
                .with_settled_at(settled);
            match id {
                Some(id) => p.with_id(DebitId::new(id).unwrap()),
                None => p,
            }
        });
    proptest::collection::vec(entry, 0..6).prop_map(|list| PriorDebits::new(list).unwrap())
}

fn presentment() -> impl Strategy<Value = Presentment> {
    let code = prop_oneof![
        4 => Just(1_u8),
        3 => Just(9_u8),
        1 => 0_u8..100,
    ]
    .prop_map(|n| ReturnCode::new(&format!("R{n:02}")).unwrap());
    (
        (NOW - 200 * 86_400)..NOW,
        proptest::collection::vec(code, 0..4),
    )
        .prop_map(|(settled, codes)| Presentment::new(settled, codes))
}

fn debit() -> impl Strategy<Value = Debit> {
    (
        1_i64..5_000_000,
        currency(),
        prop_oneof![Just(0_i64), 0_i64..100_000],
        prop_oneof![3 => Just(None), 1 => presentment().prop_map(Some)],
        prop_oneof![2 => Just(PriorDebits::NONE), 1 => prior()],
        any::<bool>(),
    )
        .prop_map(|(amount, ccy, in_flight, presentment, prior, same)| {
            let d = Debit::new(amount, ccy, in_flight)
                .unwrap()
                .with_prior(prior);
            let d = if same {
                d.with_id(DebitId::new("pi_same").unwrap())
            } else {
                d
            };
            match presentment {
                Some(p) => d.with_presentment(p),
                None => d,
            }
        })
}

fn verdict(s: &Snapshot, d: &Debit, p: &Policy) -> Verdict {
    decide(s, d, p, at(NOW)).expect("generated amounts never overflow")
}

fn with_amount(d: &Debit, amount: i64) -> Debit {
    let new = Debit::new(amount, d.currency(), d.in_flight())
        .unwrap()
        .with_prior(d.prior().clone());
    let new = match d.id() {
        Some(id) => new.with_id(id.clone()),
        None => new,
    };
    match d.presentment() {
        Some(p) => new.with_presentment(*p),
        None => new,
    }
}

/// Adds `delta` to every amount in the debit's currency, in both maps.
fn richer(s: &Snapshot, ccy: Currency, delta: i64) -> Snapshot {
    let bump = |m: &CurrencyMap<i64>| {
        CurrencyMap::from_pairs(
            m.iter()
                .map(|(c, v)| (c, if c == ccy { v.saturating_add(delta) } else { v })),
        )
        .unwrap()
    };
    let mut s = s.clone();
    if let Some(b) = s.balance.as_mut() {
        b.current = bump(&b.current);
        b.available = b.available.as_ref().map(bump);
    }
    s
}

// ---- Engine invariants -----------------------------------------------------------

proptest! {
    #![proptest_config(proptest_config(2_000))]

    /// (a) Allow at amount a ⇒ allow at every smaller amount.
    #[test]
    fn allow_is_monotone_in_the_amount(s in any_snapshot(), d in debit(), p in policy(), frac in 0.0..1.0_f64) {
        // `frac` only picks a smaller test amount; no money is a float.
        let smaller = ((d.amount() as f64) * frac) as i64;
        let smaller = smaller.clamp(1, d.amount());
        if verdict(&s, &d, &p).decision == Decision::Allow {
            prop_assert_eq!(verdict(&s, &with_amount(&d, smaller), &p).decision, Decision::Allow);
            prop_assert_eq!(verdict(&s, &with_amount(&d, 1), &p).decision, Decision::Allow);
        }
    }

    /// (b) More balance never turns allow into deny (or anything else).
    #[test]
    fn more_balance_never_revokes_an_allow(s in any_snapshot(), d in debit(), p in policy(), delta in 0_i64..10_000_000) {
        if verdict(&s, &d, &p).decision == Decision::Allow {
            let v = verdict(&richer(&s, d.currency(), delta), &d, &p);
            prop_assert_eq!(v.decision, Decision::Allow);
        }
    }

    /// (c) Never allow without a fresh, trusted, same-currency basis that
    /// covers the required amount, unless `funds_not_verified` says so.
    #[test]
    fn no_allow_without_verified_funds(s in any_snapshot(), d in debit(), p in policy()) {
        let v = verdict(&s, &d, &p);
        if v.decision == Decision::Allow && !v.warnings.contains(Code::FundsNotVerified) {
            prop_assert_ne!(s.status, Status::Unrecognized);
            prop_assert!(!matches!(s.refresh.map(|r| r.status), Some(RefreshStatus::Unrecognized)));
            prop_assert!(s.category.is_none_or(|c| p.accept_categories().contains(c)));
            prop_assert!(!s.closed);
            prop_assert_ne!(s.ach_supported, Some(false));
            prop_assert_ne!(s.account_numbers, AccountNumbers::NoneTransactable);
            prop_assert!(p.livemode().is_none_or(|want| !s.livemode.mismatches(want)));
            prop_assert!(!s.request_failed || s.balance.is_some());
            prop_assert!(!matches!(
                s.provider_result,
                Some(ProviderResult::Decline | ProviderResult::Unrecognized)
            ));
            if let Some(presented) = d.presentment().filter(|p| p.attempt() > 0) {
                prop_assert!(presented.only_funds_returns());
                prop_assert!(presented.attempt() <= u32::from(p.max_reinitiations().get()));
                prop_assert_eq!(v.retry.map(|r| r.attempt), Some(presented.attempt()));
            }
            let b = s.balance.as_ref().expect("an allow needs a balance");
            prop_assert_eq!(b.kind, BalanceType::Cash);
            let as_of = b.as_of.expect("an allow needs a dated balance");
            prop_assert!(NOW - as_of <= p.max_balance_age_secs() as i64);
            prop_assert!(as_of - NOW <= p.max_clock_skew_secs() as i64);
            let expected = match v.basis.expect("an allow has a basis") {
                Basis::Available => b.available.as_ref().and_then(|m| m.get(d.currency())),
                Basis::Current => b.current.get(d.currency()),
            };
            prop_assert_eq!(v.balance, expected);
            prop_assert!(v.balance.unwrap() >= v.required);
            prop_assert!(v.required >= d.amount() + d.in_flight());
        }
        if v.warnings.contains(Code::FundsNotVerified) {
            prop_assert_eq!(v.decision, Decision::Allow);
            let limit = p.unverified_allowance().get(d.currency()).expect("softened without an allowance");
            prop_assert!(d.amount() as u64 <= limit);
        }
    }

    /// (d) `used_current_balance` is warned iff the basis is `current`.
    #[test]
    fn used_current_balance_iff_basis_is_current(s in any_snapshot(), d in debit(), p in policy()) {
        let v = verdict(&s, &d, &p);
        prop_assert_eq!(v.warnings.contains(Code::UsedCurrentBalance), v.basis == Some(Basis::Current));
    }

    /// (e) Determinism, and JSON round trips of verdicts and policies.
    #[test]
    fn same_inputs_same_verdict_and_json_round_trips(s in any_snapshot(), d in debit(), p in policy()) {
        let v = verdict(&s, &d, &p);
        prop_assert_eq!(&v, &verdict(&s.clone(), &d, &p.clone()));
        let text = v.to_json();
        prop_assert_eq!(&text, &serde_json::to_string(&v).unwrap(), "the writer is serde's");
        prop_assert_eq!(serde_json::from_str::<Verdict>(&text).unwrap(), v);
        prop_assert_eq!(Policy::from_json(p.to_json_pretty().as_bytes()).unwrap(), p);
    }

    /// A verdict a later version wrote, with codes and a row id this one
    /// does not know (and a name that needs escaping), reads back: the
    /// known fields as written, the unknown names kept in order; written
    /// again (by either writer) it holds every name, and reads back equal.
    #[test]
    fn a_later_versions_verdict_reads_back_whole(
        s in any_snapshot(), d in debit(), p in policy(),
        new_reasons in proptest::collection::vec("[a-z_]{1,12}|q\"uote\\\\", 0..3),
        new_warnings in proptest::collection::vec("[a-z_]{1,12}", 0..3),
        new_rule in proptest::option::of("[a-z_]{1,12}"),
    ) {
        let v = verdict(&s, &d, &p);
        let known = |name: &String| Code::from_name(name).is_some();
        let new_reasons: Vec<String> = new_reasons.into_iter().filter(|n| !known(n)).collect();
        let new_warnings: Vec<String> = new_warnings.into_iter().filter(|n| !known(n)).collect();
        let new_rule = new_rule.filter(|r| Rule::from_name(r).is_none());
        let mut later: Value = serde_json::from_str(&v.to_json()).unwrap();
        later["reasons"].as_array_mut().unwrap().extend(new_reasons.iter().map(|n| json!(n)));
        later["warnings"].as_array_mut().unwrap().extend(new_warnings.iter().map(|n| json!(n)));
        if let Some(rule) = &new_rule {
            later["rule"] = json!(rule);
        }
        later["added_by_a_later_version"] = json!({"any": ["thing"]});
        let read: Verdict = serde_json::from_value(later.clone()).unwrap();
        prop_assert_eq!(read.reasons, v.reasons);
        prop_assert_eq!(read.warnings, v.warnings);
        prop_assert_eq!(read.rule, if new_rule.is_some() { Rule::Unknown } else { v.rule });
        let kept = read.unrecognized.as_deref().cloned().unwrap_or_default();
        prop_assert_eq!(&kept.reasons, &new_reasons.iter().map(|n| n.as_str().into()).collect::<Vec<Box<str>>>());
        prop_assert_eq!(&kept.warnings, &new_warnings.iter().map(|n| n.as_str().into()).collect::<Vec<Box<str>>>());
        prop_assert_eq!(kept.rule.as_deref(), new_rule.as_deref());
        let text = read.to_json();
        prop_assert_eq!(&text, &serde_json::to_string(&read).unwrap(), "the writer is serde's");
        let mut written: Value = serde_json::from_str(&text).unwrap();
        let mut expected = later;
        expected.as_object_mut().unwrap().remove("added_by_a_later_version");
        // The explanation is this version's sentence for the row.
        expected["explanation"] = written["explanation"].take();
        written["explanation"] = expected["explanation"].clone();
        prop_assert_eq!(written, expected);
        prop_assert_eq!(serde_json::from_str::<Verdict>(&text).unwrap(), read);
    }

    /// Reasons are empty exactly on allow, and every refresh_needed says what
    /// to do about the refresh.
    #[test]
    fn verdict_shape(s in any_snapshot(), d in debit(), p in policy()) {
        let v = verdict(&s, &d, &p);
        prop_assert_eq!(v.reasons.is_empty(), v.decision == Decision::Allow);
        if v.decision == Decision::RefreshNeeded {
            prop_assert!(v.refresh.is_some());
        }
        prop_assert_eq!(v.as_of, s.balance.as_ref().and_then(|b| b.as_of));
        prop_assert_eq!(v.basis.is_some(), v.balance.is_some());
    }

    /// `max_allowed` is exact: itself allowed (when positive), one more
    /// minor unit not; the same as the 64-step search; and set exactly on the
    /// two rows that compare a balance.
    #[test]
    fn max_allowed_is_exact(s in any_snapshot(), d in debit(), p in policy()) {
        let v = verdict(&s, &d, &p);
        prop_assert_eq!(
            v.max_allowed.is_some(),
            matches!(v.rule, Rule::Sufficient | Rule::Insufficient)
        );
        let Some(max) = v.max_allowed else { return Ok(()) };
        prop_assert!(max >= 0);
        if max > 0 {
            prop_assert_eq!(verdict(&s, &with_amount(&d, max), &p).decision, Decision::Allow);
        }
        let above = decide(&s, &with_amount(&d, max + 1), &p, at(NOW));
        prop_assert!(above.is_err() || above.unwrap().decision == Decision::Deny);
        prop_assert_eq!(v.decision == Decision::Allow, d.amount() <= max);
        prop_assert_eq!(
            fundsgate::__private::max_allowed_by_search(&s, &d, &p, at(NOW)),
            Some(max)
        );
    }

    /// No row outside the "cannot verify" ones turns into an allow, however
    /// large the allowance: only `sufficient` allows on its own.
    #[test]
    fn never_softened_rows_never_allow(s in any_snapshot(), d in debit(), p in policy()) {
        let p = p.to_builder().unverified_allowance(CurrencyMap::from_pairs([(d.currency(), u64::MAX)]).unwrap()).build();
        let v = verdict(&s, &d, &p);
        if v.decision == Decision::Allow && v.rule != Rule::Sufficient {
            prop_assert!(v.rule.cannot_verify(), "{:?} allowed", v.rule);
            prop_assert!(v.warnings.contains(Code::FundsNotVerified));
        }
        for never in [Rule::Unrecognized, Rule::Livemode, Rule::Closed, Rule::NotDebitable,
                      Rule::NumbersDeactivated, Rule::Credit, Rule::NotRetryable, Rule::RetryLimit,
                      Rule::RetryWindow, Rule::Future, Rule::Insufficient] {
            if v.rule == never {
                prop_assert_eq!(v.decision, Decision::Deny);
            }
        }
    }

    /// Every verdict is its row's outcome (`fundsgate::ROWS`): the row's
    /// decision, reasons (with the link's state on a link-down row) and
    /// refresh advice, or, on a row marked `*` within the allowance, `allow`
    /// with those reasons moved to the warnings and the advice kept.
    #[test]
    fn every_verdict_is_its_rows_outcome(s in any_snapshot(), d in debit(), p in policy()) {
        let v = verdict(&s, &d, &p);
        let row = v.rule.row();
        let softened = v.decision == Decision::Allow && row.decision != Decision::Allow;
        let (decision, reasons) = if softened {
            prop_assert!(row.softenable, "{:?} softened", v.rule);
            prop_assert!(v.reasons.is_empty());
            (row.decision, v.warnings)
        } else {
            (v.decision, v.reasons)
        };
        prop_assert_eq!(decision, row.decision);
        for code in row.reasons {
            prop_assert!(reasons.contains(code), "{:?} lacks {:?}", v.rule, code);
        }
        if row.link_down {
            prop_assert!(reasons.contains(Code::AccountInactive) || reasons.contains(Code::AccountDisconnected));
        }
        if !softened {
            let link = fundsgate::Codes::of(&[Code::AccountInactive, Code::AccountDisconnected]);
            let extra = v.reasons.iter().filter(|c| !(row.reasons.contains(*c) || (row.link_down && link.contains(*c)))).count();
            prop_assert_eq!(extra, 0, "{:?}: reasons {:?}", v.rule, v.reasons);
        }
        prop_assert_eq!(v.refresh.map(|r| r.action), row.refresh);
    }

    /// `retry` is present iff the debit re-presents (returns non-empty) and
    /// the deciding row comes after the three re-presentment rows; its
    /// attempt is the number of returns.
    #[test]
    fn retry_iff_re_presented_past_the_retry_rows(s in any_snapshot(), d in debit(), p in policy()) {
        let v = verdict(&s, &d, &p);
        let position = |rule: Rule| Rule::ALL.iter().position(|r| *r == rule).unwrap();
        let returns = d.presentment().map_or(0, |p| p.attempt());
        let past = position(v.rule) > position(Rule::RetryWindow);
        prop_assert_eq!(v.retry.is_some(), returns > 0 && past);
        if let Some(retry) = v.retry {
            prop_assert_eq!(retry.attempt, returns);
            prop_assert!(retry.attempt <= 2);
        }
    }

    /// A link that is down can start no refresh: the gate never asks for
    /// one, nor to wait for one it would have started.
    #[test]
    fn a_link_down_never_asks_to_initiate_a_refresh(s in any_snapshot(), d in debit(), p in policy()) {
        let v = verdict(&s, &d, &p);
        if s.status.is_down() || s.balances_permitted == Some(false) {
            prop_assert!(v.refresh.is_none_or(|r| r.action != RefreshAction::Initiate), "{v:?}");
        }
    }

    /// Cushions are exactly `ceil(amount × ratio)`.
    #[test]
    fn cushion_is_the_exact_ceiling(
        amount in 0_i64..1_000_000_000_000,
        (m, scale) in (0_u32..=7).prop_flat_map(|scale| (0_i64..=10 * 10_i64.pow(scale), Just(scale))),
    ) {
        let r = Decimal::new(m, scale);
        let expected = (Decimal::from(amount) * r).ceil();
        let got = Ratio::new(r).unwrap().cushion(amount).unwrap();
        prop_assert_eq!(Decimal::from(got), expected);
    }
}

// ---- Wire model ------------------------------------------------------------------

fn name<T: Copy + PartialEq>(
    value: T,
    known: &[(&'static str, T)],
    unknown: &'static str,
) -> &'static str {
    known
        .iter()
        .find(|(_, v)| *v == value)
        .map_or(unknown, |(n, _)| n)
}

fn map_json(m: &CurrencyMap<i64>) -> Value {
    Value::Object(
        m.iter()
            .map(|(c, v)| (c.as_str().to_uppercase(), json!(v)))
            .collect(),
    )
}

/// Renders a snapshot as Stripe would send it, with a few fields the gate
/// ignores thrown in.
fn to_stripe_json(s: &Snapshot) -> Value {
    let status = name(
        s.status,
        &[
            ("active", Status::Active),
            ("inactive", Status::Inactive),
            ("disconnected", Status::Disconnected),
        ],
        "suspended",
    );
    let category = s.category.map(|c| {
        name(
            c,
            &[
                ("cash", Category::Cash),
                ("credit", Category::Credit),
                ("investment", Category::Investment),
                ("other", Category::Other),
            ],
            "crypto",
        )
    });
    let balance = s.balance.as_ref().map(|b| {
        let kind = name(
            b.kind,
            &[("cash", BalanceType::Cash), ("credit", BalanceType::Credit)],
            "loan",
        );
        json!({
            "as_of": b.as_of,
            "type": kind,
            "current": map_json(&b.current),
            "cash": {"available": b.available.as_ref().map(map_json)},
            "credit": null,
        })
    });
    let refresh = s.refresh.map(|r| {
        let status = name(
            r.status,
            &[
                ("pending", RefreshStatus::Pending),
                ("succeeded", RefreshStatus::Succeeded),
                ("failed", RefreshStatus::Failed),
            ],
            "queued",
        );
        let mut refresh = json!({
            "status": status,
            "last_attempted_at": r.last_attempted_at,
        });
        match r.next_refresh_available_at {
            NextRefresh::NotStated => {}
            NextRefresh::Unavailable => refresh["next_refresh_available_at"] = Value::Null,
            NextRefresh::At(t) => refresh["next_refresh_available_at"] = json!(t),
        }
        refresh
    });
    let flag = |known: Option<bool>, name: &str, other: &str| match known {
        None => Value::Null,
        Some(true) => json!([other, name]),
        Some(false) => json!([other]),
    };
    let numbers = match s.account_numbers {
        AccountNumbers::Unknown => json!([]),
        AccountNumbers::Transactable => json!([
            {"status": "deactivated", "supported_networks": ["ach"]},
            {"status": "transactable", "supported_networks": ["ach"], "identifier_type": "tokenized_account_number"},
        ]),
        AccountNumbers::NoneTransactable => {
            json!([{"status": "deactivated"}, {"status": "suspended"}])
        }
    };
    let mut details = json!({});
    if s.closed || s.relink_required {
        details["inactive"] = json!({
            "cause": if s.closed { "account_closed" } else { "access_expired" },
            "action": if s.relink_required { "relink_required" } else { "none" },
        });
    }
    if let Some(date) = s.expected_deactivation {
        details["active"] =
            json!({"action": "none", "cause": "unspecified", "expected_deactivation_date": date});
    }
    json!({
        "id": s.account_id.as_ref().map(AccountId::as_str), "object": "financial_connections.account",
        "livemode": match s.livemode { Livemode::Is(live) => Some(live), _ => None },
        "status": status, "category": category, "balance": balance, "balance_refresh": refresh,
        "permissions": flag(s.balances_permitted, "balances", "ownership"),
        "supported_payment_method_types": flag(s.ach_supported, "us_bank_account", "link"),
        "account_numbers": numbers, "status_details": details,
        "institution_name": "StripeBank",
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-z]{0,4}".prop_map(Value::String),
        prop_oneof![
            Just("usd"),
            Just("USD"),
            Just("active"),
            Just("cash"),
            Just("event"),
            Just("financial_connections.account")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        let key = prop_oneof![
            Just("status".to_owned()),
            Just("balance".to_owned()),
            Just("as_of".to_owned()),
            Just("type".to_owned()),
            Just("current".to_owned()),
            Just("cash".to_owned()),
            Just("available".to_owned()),
            Just("balance_refresh".to_owned()),
            Just("object".to_owned()),
            Just("data".to_owned()),
            Just("usd".to_owned()),
            "[a-z]{1,3}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(proptest_config(1_000))]

    /// Rendering a snapshot as Stripe JSON and parsing it gives it back.
    #[test]
    fn stripe_json_round_trips_through_the_parser(s in snapshot()) {
        let doc = serde_json::to_vec(&to_stripe_json(&s)).unwrap();
        prop_assert_eq!(stripe::parse_account(&doc).unwrap(), s);
    }

    /// The neutral snapshot document: write → read gives the same snapshot
    /// (its provider becomes `snapshot`), read by `read_account` as well,
    /// and the same verdict but for `provider`. Balances of unknown date
    /// included.
    #[test]
    fn neutral_documents_round_trip_with_the_same_verdict(
        s in any_snapshot(), undated in any::<bool>(), d in debit(), p in policy(),
    ) {
        let mut s = s;
        if let (true, Some(b)) = (undated, s.balance.as_mut()) {
            b.as_of = None;
        }
        let text = neutral::to_json(&s);
        let read = neutral::parse(text.as_bytes()).unwrap();
        prop_assert_eq!(read_account(text.as_bytes(), &ReadOptions::new()).unwrap(), read.clone());
        prop_assert_eq!(read.provider, Some(Provider::Snapshot));
        prop_assert_eq!(&with!(read.clone(); provider: s.provider), &s);
        let mut expected = verdict(&s, &d, &p);
        expected.provider = Some(Provider::Snapshot);
        prop_assert_eq!(verdict(&read, &d, &p), expected);
        // And the document is stable: written again, byte for byte the same.
        prop_assert_eq!(neutral::to_json(&read), text);
    }

    /// (f) Arbitrary bytes never panic the parser.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = stripe::parse_account(&bytes);
        let _ = read_account(&bytes, &ReadOptions::new());
        let _ = plaid::parse_response(&bytes, None, None);
        let _ = neutral::parse(&bytes);
        let _ = Policy::from_json(&bytes);
    }

    /// (f) Arbitrary JSON values never panic the parser, and whatever parses
    /// decides without panicking.
    #[test]
    fn arbitrary_json_never_panics(value in json_value(), d in debit()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        if let Ok(s) = stripe::parse_account(&bytes) {
            let _ = verdict(&s, &d, &Policy::default());
        }
        if let Ok(s) = read_account(&bytes, &ReadOptions::new()) {
            let _ = verdict(&s, &d, &Policy::default());
        }
        let _ = Policy::from_json(&bytes);
    }

    /// Byte-level damage to a real document never panics, and an error
    /// always names a path.
    #[test]
    fn damaged_documents_error_with_a_path(at in 0_usize..1200, byte in any::<u8>()) {
        let mut doc = include_bytes!("../../examples/accounts/active_cash.json").to_vec();
        let i = at % doc.len();
        doc[i] = byte;
        if let Err(e) = stripe::parse_account(&doc) {
            let path = e.path().to_string();
            prop_assert!(!path.is_empty());
            let prefix = format!("{path}: ");
            prop_assert!(e.to_string().starts_with(&prefix));
        }
    }
}

// ---- Fail closed ------------------------------------------------------------------

fn without(m: &CurrencyMap<i64>, ccy: Currency) -> CurrencyMap<i64> {
    CurrencyMap::from_pairs(m.iter().filter(|&(c, _)| c != ccy)).unwrap()
}

/// Whenever funds could not be verified, an `allow` must come from the
/// allowance and say so.
fn only_unverified_allow(v: &Verdict, d: &Debit, p: &Policy) -> Result<(), TestCaseError> {
    if v.decision == Decision::Allow {
        prop_assert!(
            v.warnings.contains(Code::FundsNotVerified),
            "allowed without funds_not_verified: {v:?}"
        );
        let limit = p.unverified_allowance().get(d.currency());
        prop_assert!(
            limit.is_some_and(|l| d.amount() as u64 <= l),
            "allowed beyond the allowance: {v:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config(1_000))]

    #[test]
    fn never_allow_a_credit_account(s in any_snapshot(), d in debit(), p in policy()) {
        let s = with!(s;
            category: Some(Category::Credit),
        );
        prop_assert_ne!(verdict(&s, &d, &p).decision, Decision::Allow);
    }

    #[test]
    fn never_allow_a_closed_or_undebitable_account(s in any_snapshot(), d in debit(), p in policy(), which in 0_u8..3) {
        let mut s = s;
        match which {
            0 => s.closed = true,
            1 => s.ach_supported = Some(false),
            _ => s.account_numbers = AccountNumbers::NoneTransactable,
        }
        prop_assert_ne!(verdict(&s, &d, &p).decision, Decision::Allow);
    }

    /// SPEC v3: a provider's decline, or a result the gate does not know, is
    /// never allowed, under any policy or allowance; a review is allowed
    /// only under `provider_review: "decide"`, and then always says so.
    #[test]
    fn a_providers_decline_is_never_allowed_and_a_review_only_by_policy(
        s in any_snapshot(), d in debit(), p in policy(), result in 0_u8..3,
    ) {
        let s = with!(s;
            provider_result: Some(match result {
                0 => ProviderResult::Decline,
                1 => ProviderResult::Unrecognized,
                _ => ProviderResult::Review,
            }),
        );
        let v = verdict(&s, &d, &p);
        match s.provider_result {
            Some(ProviderResult::Review) => {
                if v.decision == Decision::Allow {
                    prop_assert_eq!(p.provider_review(), ProviderReview::Decide);
                }
                if p.provider_review() == ProviderReview::Decide {
                    prop_assert!(v.warnings.contains(Code::ProviderReview), "{:?}", v);
                    prop_assert_ne!(v.rule, Rule::ProviderReview);
                } else {
                    prop_assert!(!v.warnings.contains(Code::ProviderReview));
                }
            }
            _ => prop_assert_ne!(v.decision, Decision::Allow),
        }
    }

    /// A request the provider refused for good never asks to call again:
    /// without a balance it is denied (`missing_request_failed` or an
    /// earlier row), never `refresh_needed`.
    #[test]
    fn a_refused_request_never_asks_to_call_again(s in any_snapshot(), d in debit(), p in policy()) {
        let s = with!(s;
            request_failed: true,
            balance: None,
            status: Status::Active,
            balances_permitted: None,
        );
        let v = verdict(&s, &d, &p);
        prop_assert_ne!(v.decision, Decision::RefreshNeeded);
        if v.rule == Rule::MissingRequestFailed {
            prop_assert!(v.reasons.union(v.warnings).contains(Code::RequestFailed));
        }
    }

    #[test]
    fn never_allow_on_an_unrecognized_value(s in any_snapshot(), d in debit(), p in policy(), which in 0_u8..4) {
        let mut s = s;
        match which {
            0 => s.status = Status::Unrecognized,
            1 => match s.balance.as_mut() {
                Some(b) => b.kind = BalanceType::Unrecognized,
                None => s.status = Status::Unrecognized,
            },
            2 => s.category = Some(Category::Unrecognized),
            _ => s.refresh = Some(Refresh::new(RefreshStatus::Unrecognized)),
        }
        let v = verdict(&s, &d, &p);
        prop_assert_ne!(v.decision, Decision::Allow);
        // The re-presentment and velocity rows come first (SPEC v3), then
        // `unrecognized`.
        prop_assert!(
            matches!(
                v.rule,
                Rule::Unrecognized
                    | Rule::NotRetryable
                    | Rule::RetryLimit
                    | Rule::RetryWindow
                    | Rule::VelocityCount
                    | Rule::VelocityAmount
            ),
            "{:?}", v.rule
        );
    }

    #[test]
    fn no_verified_allow_on_a_balance_from_the_future(s in any_snapshot(), d in debit(), p in policy(), ahead in 1_i64..10_000_000) {
        let mut s = s;
        let Some(b) = s.balance.as_mut() else { return Ok(()) };
        b.as_of = Some(NOW + p.max_clock_skew_secs() as i64 + ahead);
        only_unverified_allow(&verdict(&s, &d, &p), &d, &p)?;
    }

    #[test]
    fn no_verified_allow_on_a_stale_balance(s in any_snapshot(), d in debit(), p in policy(), behind in 1_i64..10_000_000) {
        let mut s = s;
        let Some(b) = s.balance.as_mut() else { return Ok(()) };
        b.as_of = Some(NOW - p.max_balance_age_secs() as i64 - behind);
        only_unverified_allow(&verdict(&s, &d, &p), &d, &p)?;
    }

    /// A balance whose date nobody knows (a Plaid balance without
    /// `last_updated_datetime` or `fetched_at`) is stale, whatever it says.
    #[test]
    fn no_verified_allow_on_a_balance_of_unknown_date(s in any_snapshot(), d in debit(), p in policy()) {
        let mut s = s;
        let Some(b) = s.balance.as_mut() else { return Ok(()) };
        b.as_of = None;
        let v = verdict(&s, &d, &p);
        only_unverified_allow(&v, &d, &p)?;
        prop_assert_eq!(v.as_of, None);
        prop_assert_eq!(v.balance_age_secs, None);
        prop_assert!(!v.reasons.contains(Code::BalanceFromFuture));
    }

    #[test]
    fn no_verified_allow_without_the_currency(s in any_snapshot(), d in debit(), p in policy()) {
        let mut s = s;
        let Some(b) = s.balance.as_mut() else { return Ok(()) };
        let ccy = d.currency();
        b.current = without(&b.current, ccy);
        b.available = b.available.as_ref().map(|m| without(m, ccy));
        only_unverified_allow(&verdict(&s, &d, &p), &d, &p)?;
    }

    #[test]
    fn no_verified_allow_without_a_balance(s in any_snapshot(), d in debit(), p in policy()) {
        let s = with!(s;
            balance: None,
        );
        only_unverified_allow(&verdict(&s, &d, &p), &d, &p)?;
    }
}

proptest! {
    /// SPEC v3 §5a: no non-retryable, over-limit or out-of-window
    /// re-presentment is ever allowed, under any policy and on any account
    /// (unlinked included), and its row is a re-presentment row.
    #[test]
    fn no_bad_re_presentment_is_ever_allowed(s in any_snapshot(), d in debit(), p in policy(), linked in any::<bool>()) {
        let Some(presented) = d.presentment() else { return Ok(()) };
        let returns = presented.attempt();
        let window = i64::from(p.reinitiation_window_days().get()) * 86_400;
        let bad = returns > 0 && (
            !presented.only_funds_returns()
            || returns > u32::from(p.max_reinitiations().get())
            || NOW > presented.original_settlement().saturating_add(window)
        );
        let v = if linked {
            verdict(&s, &d, &p)
        } else {
            fundsgate::decide_unlinked(&d, &p, fundsgate::from_unix(NOW).unwrap()).unwrap()
        };
        if bad {
            prop_assert_eq!(v.decision, Decision::Deny);
            prop_assert!(matches!(v.rule, Rule::NotRetryable | Rule::RetryLimit | Rule::RetryWindow), "{:?}", v.rule);
            prop_assert_eq!(v.retry, None);
        }
    }
}
