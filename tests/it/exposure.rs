//! SPEC v3 §5b: prior debits, exposure, velocity limits and runs. A named
//! test per row and boundary, then the invariants as properties.
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a failed test"
)]

use crate::common::*;
use fundsgate::Decision::{Allow, Deny};
use fundsgate::{
    AccountSource, Batch, Code, Currency, CurrencyMap, Debit, DebitId, Policy, PriorDebit,
    PriorDebits, ReadOptions, Request, Rule, Run, Snapshot, Velocity, VelocityLimit, decide,
    decide_unlinked,
};
use proptest::prelude::*;

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

fn prior(amount: i64, at: i64) -> PriorDebit {
    PriorDebit::new(amount, usd(), at).unwrap()
}

fn with(d: Debit, entries: Vec<PriorDebit>) -> Debit {
    d.with_prior(PriorDebits::new(entries).unwrap())
}

fn exposure(v: &fundsgate::Verdict) -> Option<(u32, i64)> {
    v.exposure.map(|e| (e.count, e.amount))
}

fn id(text: &str) -> DebitId {
    DebitId::new(text).unwrap()
}

fn limit(window: i64, count: Option<u32>, amount: Option<u64>) -> VelocityLimit {
    let amounts = amount.map_or_else(CurrencyMap::new, |a| CurrencyMap::single(usd(), a));
    VelocityLimit::new(u32::try_from(window).unwrap(), count, amounts).unwrap()
}

fn velocity(limits: Vec<VelocityLimit>) -> Policy {
    Policy::builder()
        .velocity(Velocity::new(limits).unwrap())
        .build()
}

// ---- Exposure -------------------------------------------------------------------

#[test]
fn an_unsettled_prior_debit_counts_against_the_balance() {
    let d = with(debit(5_000), vec![prior(1_500, NOW - HOUR)]);
    let v = decide(&healthy(6_000), &d, &Policy::default(), at(NOW)).unwrap();
    assert_eq!(exposure(&v), Some((1, 1_500)));
    assert_eq!(
        (v.required, v.rule, v.max_allowed),
        (6_500, Rule::Insufficient, Some(4_500))
    );
    let v = decide(&healthy(6_500), &d, &Policy::default(), at(NOW)).unwrap();
    assert_eq!((v.decision, v.rule), (Allow, Rule::Sufficient));
}

#[test]
fn a_debit_settled_before_the_balance_is_in_it_and_after_is_not() {
    // The docs balance is dated AS_OF: a debit settled then or before is in
    // it; one settled later is not yet.
    let settled = |at| prior(1_500, NOW - DAY).with_settled_at(Some(at));
    let at_as_of = with(debit(5_000), vec![settled(AS_OF)]);
    let v = decide(&healthy(6_000), &at_as_of, &Policy::default(), at(NOW)).unwrap();
    assert_eq!(exposure(&v), Some((0, 0)));
    assert_eq!(v.decision, Allow);
    let after = with(debit(5_000), vec![settled(AS_OF + 1)]);
    let v = decide(&healthy(6_000), &after, &Policy::default(), at(NOW)).unwrap();
    assert_eq!(exposure(&v), Some((1, 1_500)));
    assert_eq!(v.decision, Deny);
}

#[test]
fn a_balance_of_unknown_date_shows_no_prior_debit() {
    let mut s = healthy(6_000);
    s.balance.as_mut().unwrap().as_of = None;
    let d = with(
        debit(100),
        vec![prior(1_500, NOW - DAY).with_settled_at(Some(NOW - DAY))],
    );
    let v = decide(&s, &d, &Policy::default(), at(NOW)).unwrap();
    assert_eq!(exposure(&v), Some((1, 1_500)));
}

#[test]
fn prior_debits_in_other_currencies_do_not_count() {
    let eur = Currency::new("eur").unwrap();
    let d = with(
        debit(6_000),
        vec![PriorDebit::new(1_500, eur, NOW - HOUR).unwrap()],
    );
    let v = decide(&healthy(6_000), &d, &Policy::default(), at(NOW)).unwrap();
    assert_eq!(exposure(&v), Some((0, 0)));
    assert_eq!(v.decision, Allow);
}

#[test]
fn the_debit_itself_in_its_prior_list_is_not_counted() {
    let d = with(
        debit(6_000),
        vec![prior(6_000, NOW - HOUR).with_id(id("pi_1"))],
    )
    .with_id(id("pi_1"));
    let v = decide(&healthy(6_000), &d, &Policy::default(), at(NOW)).unwrap();
    assert_eq!(exposure(&v), Some((0, 0)));
    assert_eq!(v.decision, Allow);
    assert_eq!(v.debit.id.as_ref().map(DebitId::as_str), Some("pi_1"));
}

#[test]
fn no_prior_debit_no_exposure_field() {
    let v = run(&healthy(6_000), 100, &Policy::default());
    assert_eq!(v.exposure, None);
    let json = v.to_json();
    assert!(
        json.contains(r#""exposure":null,"not_before":null"#),
        "{json}"
    );
    assert!(json.contains(r#""in_flight":0,"id":null}"#), "{json}");
}

#[test]
fn exposure_counts_toward_the_unverified_allowance_without_a_balance() {
    let d = with(debit(4_000), vec![prior(1_000, NOW - HOUR)]);
    let v = decide_unlinked(&d, &allowance(5_000), at(NOW)).unwrap();
    assert_eq!(
        (v.decision, v.rule, v.required),
        (Allow, Rule::Unlinked, 5_000)
    );
    assert!(v.warnings.contains(Code::FundsNotVerified));
    let d = with(debit(4_001), vec![prior(1_000, NOW - HOUR)]);
    let v = decide_unlinked(&d, &allowance(5_000), at(NOW)).unwrap();
    assert_eq!(v.decision, Deny);
}

#[test]
fn an_exposure_that_overflows_is_an_error() {
    let d = with(debit(1), vec![prior(i64::MAX, NOW), prior(i64::MAX, NOW)]);
    let e = decide(&healthy(6_000), &d, &Policy::default(), at(NOW)).unwrap_err();
    assert!(
        e.to_string().contains("exposure 18446744073709551614"),
        "{e}"
    );
}

// ---- Velocity -------------------------------------------------------------------

#[test]
fn velocity_count_denies_the_debit_over_the_count_and_says_when() {
    let policy = velocity(vec![limit(DAY, Some(2), None)]);
    let one = with(debit(100), vec![prior(100, NOW - 10 * HOUR)]);
    assert_eq!(
        decide(&healthy(6_000), &one, &policy, at(NOW))
            .unwrap()
            .decision,
        Allow
    );
    let two = with(
        debit(100),
        vec![prior(100, NOW - 10 * HOUR), prior(100, NOW - HOUR)],
    );
    let v = decide(&healthy(6_000), &two, &policy, at(NOW)).unwrap();
    assert_row(
        &v,
        Rule::VelocityCount,
        Deny,
        &[Code::VelocityCountExceeded],
        &[],
        None,
    );
    // The older one leaves the day's window 24 h after it was initiated.
    assert_eq!(v.not_before, Some(NOW - 10 * HOUR + DAY));
    assert_eq!(v.max_allowed, None);
}

#[test]
fn the_window_is_open_at_its_start_and_closed_at_now() {
    let policy = velocity(vec![limit(DAY, Some(1), None)]);
    let on_edge = with(debit(100), vec![prior(100, NOW - DAY)]);
    assert_eq!(
        decide(&healthy(6_000), &on_edge, &policy, at(NOW))
            .unwrap()
            .decision,
        Allow
    );
    let inside = with(debit(100), vec![prior(100, NOW - DAY + 1)]);
    let v = decide(&healthy(6_000), &inside, &policy, at(NOW)).unwrap();
    assert_eq!((v.rule, v.not_before), (Rule::VelocityCount, Some(NOW + 1)));
    let now = with(debit(100), vec![prior(100, NOW)]);
    assert_eq!(
        decide(&healthy(6_000), &now, &policy, at(NOW))
            .unwrap()
            .rule,
        Rule::VelocityCount
    );
    // Initiated after now: in no window yet (it still counts for exposure).
    let later = with(debit(100), vec![prior(100, NOW + 1)]);
    let v = decide(&healthy(6_000), &later, &policy, at(NOW)).unwrap();
    assert_eq!((v.decision, v.exposure.map(|e| e.count)), (Allow, Some(1)));
}

#[test]
fn velocity_amount_counts_the_debits_currency_and_this_debit() {
    let policy = velocity(vec![limit(7 * DAY, None, Some(10_000))]);
    let eur = PriorDebit::new(50_000, Currency::new("eur").unwrap(), NOW - DAY).unwrap();
    let d = with(debit(4_000), vec![prior(6_000, NOW - 2 * DAY), eur]);
    let v = decide(&healthy(100_000), &d, &policy, at(NOW)).unwrap();
    assert_eq!(v.decision, Allow);
    // 6,000 + 4,000 fits, and 4,000 is all the room left.
    assert_eq!(v.max_allowed, Some(4_000));
    let d = with(debit(4_001), vec![prior(6_000, NOW - 2 * DAY)]);
    let v = decide(&healthy(100_000), &d, &policy, at(NOW)).unwrap();
    assert_row(
        &v,
        Rule::VelocityAmount,
        Deny,
        &[Code::VelocityAmountExceeded],
        &[],
        None,
    );
    assert_eq!(v.not_before, Some(NOW - 2 * DAY + 7 * DAY));
}

#[test]
fn a_debit_over_max_amount_alone_never_passes() {
    let policy = velocity(vec![limit(DAY, None, Some(1_000))]);
    let v = run(&healthy(100_000), 1_001, &policy);
    assert_eq!((v.rule, v.not_before), (Rule::VelocityAmount, None));
}

#[test]
fn count_is_checked_before_amount_and_not_before_waits_for_every_limit() {
    let policy = velocity(vec![
        limit(HOUR, Some(1), None),
        limit(DAY, None, Some(1_000)),
    ]);
    let d = with(
        debit(500),
        vec![prior(600, NOW - 20 * HOUR), prior(100, NOW - 60)],
    );
    let v = decide(&healthy(100_000), &d, &policy, at(NOW)).unwrap();
    assert_eq!(v.rule, Rule::VelocityCount);
    // The hour's count holds at NOW - 60 + HOUR; the day's amount only once
    // the 600 leaves, at NOW - 20 h + 24 h.
    assert_eq!(v.not_before, Some(NOW + 4 * HOUR));
    let later = decide(&healthy(100_000), &d, &policy, at(NOW + 4 * HOUR)).unwrap();
    assert_eq!(later.decision, Allow);
    let before = decide(&healthy(100_000), &d, &policy, at(NOW + 4 * HOUR - 1)).unwrap();
    assert_eq!(before.decision, Deny);
}

#[test]
fn velocity_denies_an_unlinked_debit_before_its_allowance() {
    let policy = allowance(5_000)
        .to_builder()
        .velocity(Velocity::new([limit(DAY, Some(1), None)]).unwrap())
        .build();
    let d = with(debit(100), vec![prior(100, NOW - HOUR)]);
    let v = decide_unlinked(&d, &policy, at(NOW)).unwrap();
    assert_eq!((v.decision, v.rule), (Deny, Rule::VelocityCount));
}

#[test]
fn a_velocity_denied_re_presentment_still_says_retry() {
    let policy = velocity(vec![limit(DAY, Some(1), None)]);
    let d = with(debit(100), vec![prior(100, NOW - HOUR)]).with_presentment(
        fundsgate::Presentment::new(NOW - DAY, ["R01".parse().unwrap()]),
    );
    let v = decide(&healthy(6_000), &d, &policy, at(NOW)).unwrap();
    assert_eq!(v.rule, Rule::VelocityCount);
    assert_eq!(v.retry.map(|r| r.attempt), Some(1));
}

#[test]
fn a_debit_exactly_at_max_amount_waits_for_the_others_to_leave() {
    let policy = velocity(vec![limit(DAY, None, Some(1_000))]);
    let d = with(debit(1_000), vec![prior(500, NOW - HOUR)]);
    let v = decide(&healthy(100_000), &d, &policy, at(NOW)).unwrap();
    assert_eq!(
        (v.rule, v.not_before),
        (Rule::VelocityAmount, Some(NOW - HOUR + DAY))
    );
}

#[test]
fn a_limit_met_exactly_adds_no_wait() {
    // The hour's count is over; the day's amount is met exactly (499 + 1 + 500):
    // only the count decides when the debit passes.
    let policy = velocity(vec![
        limit(HOUR, Some(1), None),
        limit(DAY, None, Some(1_000)),
    ]);
    let d = with(
        debit(500),
        vec![prior(499, NOW - 10 * HOUR), prior(1, NOW - 60)],
    );
    let v = decide(&healthy(100_000), &d, &policy, at(NOW)).unwrap();
    assert_eq!(v.rule, Rule::VelocityCount);
    assert_eq!(v.not_before, Some(NOW - 60 + HOUR));
}

#[test]
fn not_before_takes_the_oldest_debit_of_the_run_and_the_request_together() {
    // A window of 250 s, at most two debits. The run allowed one debit and
    // the request brings another; whichever is older leaves first. (Lines
    // dated within the balance's clock skew of its `as_of`.)
    let policy = velocity(vec![limit(250, Some(2), None)]);
    for (run_at, own_at) in [(NOW - 200, NOW - 100), (NOW - 100, NOW - 200)] {
        let first = line("pi_run", 100, &format!(r#", "now": {run_at}"#));
        let own = format!(
            r#", "prior": [{{"id": "pi_own", "amount": 100, "currency": "usd", "initiated_at": {own_at}}}]"#
        );
        let second = line("pi_new", 100, &own);
        let v = decide_run_under(policy.clone(), &[first, second], &mut Run::new());
        assert_eq!(v[0].decision, Allow);
        assert_eq!(v[1].rule, Rule::VelocityCount);
        assert_eq!(
            v[1].not_before,
            Some(NOW - 200 + 250),
            "run at {run_at}, own at {own_at}"
        );
    }
}

// ---- The policy key -------------------------------------------------------------

#[test]
fn velocity_policies_are_validated() {
    let error = |text: &str| Policy::from_json(text.as_bytes()).unwrap_err().to_string();
    let nine = format!(
        "[{}]",
        [r#"{"window_secs": 60, "max_count": 1}"#; 9].join(",")
    );
    assert!(error(&format!(r#"{{"velocity": {nine}}}"#)).contains("at most 8"));
    for (limit, message) in [
        (r#"{"window_secs": 0, "max_count": 1}"#, "window_secs"),
        (
            r#"{"window_secs": 31536001, "max_count": 1}"#,
            "window_secs: 31536001",
        ),
        (r#"{"window_secs": 60, "max_count": 0}"#, "max_count"),
        (
            r#"{"window_secs": 60, "max_amount": {"usd": 0}}"#,
            "max_amount.usd",
        ),
        (r#"{"window_secs": 60}"#, "max_count, max_amount or both"),
        (
            r#"{"window_secs": 60, "max_count": 1, "max_counts": 2}"#,
            "unknown field `max_counts`",
        ),
        (
            r#"{"window_secs": 60, "max_amount": {"usd": 1, "USD": 2}}"#,
            "usd",
        ),
        (r#"{"max_count": 1}"#, "window_secs"),
    ] {
        let e = error(&format!(r#"{{"velocity": [{limit}]}}"#));
        assert!(e.starts_with("velocity[0]"), "{limit}: {e}");
        assert!(e.contains(message), "{limit}: {e}");
    }
}

#[test]
fn the_fingerprint_sorts_limits_and_currencies() {
    let a = Policy::from_json(
        br#"{"velocity": [{"window_secs": 604800, "max_amount": {"USD": 5, "eur": 7}},
                          {"window_secs": 3600, "max_count": 2}]}"#,
    )
    .unwrap();
    let b = Policy::from_json(
        br#"{"velocity": [{"window_secs": 3600, "max_count": 2, "max_amount": null},
                          {"window_secs": 604800, "max_amount": {"eur": 7, "usd": 5}, "max_count": null}]}"#,
    )
    .unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert_ne!(a.fingerprint(), Policy::default().fingerprint());
    assert_eq!(Policy::from_json(a.to_json_pretty().as_bytes()).unwrap(), a);
}

// ---- Runs ------------------------------------------------------------------------

/// A reader that hands over at most `.1` bytes a call, so that a stream
/// arrives in many chunks, cut anywhere.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.1.min(buf.len()).min(self.0.len());
        let (now, later) = self.0.split_at(n);
        buf[..n].copy_from_slice(now);
        self.0 = later;
        Ok(n)
    }
}

const ACCOUNT: &str = r#"{"id": "fca_1", "object": "financial_connections.account", "status": "active",
  "balance": {"as_of": 1651516592, "type": "cash", "current": {"usd": 6000}, "cash": {"available": {"usd": 6000}}}}"#;

fn line(id: &str, amount: i64, extra: &str) -> String {
    format!(
        r#"{{"id": "{id}", "account": {ACCOUNT}, "amount": {amount}, "currency": "usd"{extra}}}"#
    )
}

fn decide_run(lines: &[String], run: &mut Run) -> Vec<fundsgate::Verdict> {
    decide_run_under(Policy::default(), lines, run)
}

/// Decides `lines` in order in `run`, as `fundsgate batch` does.
fn decide_run_under(policy: Policy, lines: &[String], run: &mut Run) -> Vec<fundsgate::Verdict> {
    let batch = Batch::new(policy, at(NOW));
    lines
        .iter()
        .map(|l| {
            batch
                .decide_read(batch.read_line(l.as_bytes()), run)
                .result
                .unwrap()
        })
        .collect()
}

#[test]
fn a_run_never_allows_more_than_the_balance() {
    let lines: Vec<String> = (1..=3)
        .map(|i| line(&format!("pi_{i}"), 3_000, ""))
        .collect();
    let v = decide_run(&lines, &mut Run::new());
    assert_eq!(
        v.iter().map(|v| v.decision).collect::<Vec<_>>(),
        [Allow, Allow, Deny]
    );
    assert_eq!(exposure(&v[2]), Some((2, 6_000)));
    let mut independent = Run::independent();
    assert!(independent.is_independent() && !Run::new().is_independent());
    let alone = decide_run(&lines, &mut independent);
    assert!(
        alone
            .iter()
            .all(|v| v.decision == Allow && v.exposure.is_none())
    );
}

#[test]
fn a_payment_allowed_twice_in_a_run_counts_once() {
    let lines = vec![
        line("pi_1", 3_000, ""),
        line("pi_1", 3_000, ""),
        line("pi_2", 3_000, ""),
    ];
    let v = decide_run(&lines, &mut Run::new());
    // The second pi_1 is the same payment checked again: it is not counted
    // against itself, and pi_2 sees pi_1 once.
    assert_eq!(exposure(&v[1]), Some((0, 0)));
    assert_eq!(exposure(&v[2]), Some((1, 3_000)));
    assert_eq!(v[2].decision, Allow);
}

#[test]
fn the_requests_own_entry_wins_over_the_runs() {
    // pi_1 was allowed earlier in the run; the later line says it settled
    // before the balance was taken, so it is in the balance already.
    let settled = format!(
        r#", "prior": [{{"id": "pi_1", "amount": 3000, "currency": "usd", "initiated_at": {}, "settled_at": {AS_OF}}}]"#,
        NOW - DAY
    );
    let lines = vec![line("pi_1", 3_000, ""), line("pi_2", 6_000, &settled)];
    let v = decide_run(&lines, &mut Run::new());
    assert_eq!(exposure(&v[1]), Some((0, 0)));
    assert_eq!(v[1].decision, Allow);
}

#[test]
fn runs_keep_accounts_apart_and_never_key_on_a_missing_id() {
    let other = ACCOUNT.replace("fca_1", "fca_2");
    let no_id = ACCOUNT.replace(r#""id": "fca_1", "#, "");
    let lines = vec![
        line("pi_1", 6_000, ""),
        format!(r#"{{"id": "pi_2", "account": {other}, "amount": 6000, "currency": "usd"}}"#),
        format!(r#"{{"id": "pi_3", "account": {no_id}, "amount": 6000, "currency": "usd"}}"#),
        format!(r#"{{"id": "pi_4", "account": {no_id}, "amount": 6000, "currency": "usd"}}"#),
        r#"{"id": "pi_5", "account": null, "amount": 6000, "currency": "usd"}"#.to_owned(),
    ];
    let v = decide_run(&lines, &mut Run::new());
    assert_eq!(v[1].decision, Allow);
    assert_eq!((v[2].decision, v[3].decision), (Allow, Allow));
    assert!(v[2..].iter().all(|v| v.exposure.is_none()));
}

#[test]
fn a_runs_allows_count_toward_velocity_at_their_own_now() {
    let policy = velocity(vec![limit(HOUR, Some(1), None)]);
    let first = line("pi_1", 100, "");
    let second = line("pi_2", 100, &format!(r#", "now": {}"#, NOW + 600));
    let third = line("pi_3", 100, &format!(r#", "now": {}"#, NOW + HOUR));
    let v = decide_run_under(policy, &[first, second, third], &mut Run::new());
    assert_eq!(
        (v[0].decision, v[1].rule, v[1].not_before),
        (Allow, Rule::VelocityCount, Some(NOW + HOUR))
    );
    assert_eq!(v[2].decision, Allow);
}

#[test]
fn a_run_keeps_its_debits_in_time_order_whatever_the_line_order() {
    // A window of 100 s, two debits at most. The second line is dated
    // before the first; at the third, only the first is in the window.
    let policy = velocity(vec![limit(100, Some(2), None)]);
    let lines = [
        line("pi_1", 100, &format!(r#", "now": {NOW}"#)),
        line("pi_2", 100, &format!(r#", "now": {}"#, NOW - 200)),
        line("pi_3", 100, &format!(r#", "now": {NOW}"#)),
    ];
    let v = decide_run_under(policy, &lines, &mut Run::new());
    assert_eq!(
        v.iter().map(|v| v.decision).collect::<Vec<_>>(),
        [Allow, Allow, Allow]
    );
    assert_eq!(exposure(&v[2]), Some((2, 200)));
}

#[test]
fn prior_list_faults_are_named_at_their_path() {
    let batch = Batch::new(Policy::default(), at(NOW));
    let error = |prior: &str| {
        let text = line("pi_1", 100, &format!(r#", "prior": {prior}"#));
        batch.decide_line(text.as_bytes()).result.unwrap_err()
    };
    let entry = r#"{"amount": 1, "currency": "usd", "initiated_at": 1}"#;
    for (prior, message) in [
        (
            r#"[{"amount": 0, "currency": "usd", "initiated_at": 1}]"#,
            "prior[0].amount: must be a positive",
        ),
        (
            r#"[{"amount": 1.5, "currency": "usd", "initiated_at": 1}]"#,
            "prior[0].amount",
        ),
        (
            r#"[{"amount": 1, "currency": "usdx", "initiated_at": 1}]"#,
            "prior[0].currency",
        ),
        (
            r#"[{"amount": 1, "currency": "usd"}]"#,
            "prior[0]: missing field `initiated_at`",
        ),
        (
            r#"[{"amount": 1, "currency": "usd", "initiated_at": 1651516600000}]"#,
            "prior[0].initiated_at",
        ),
        (
            r#"[{"amount": 1, "currency": "usd", "initiated_at": 1, "setled_at": 2}]"#,
            "prior[0].setled_at: unknown field `setled_at`",
        ),
        (r#"{"amount": 1}"#, "prior: invalid type"),
    ] {
        let e = error(prior);
        assert!(e.starts_with(message), "{prior}: {e}");
    }
    let long = format!(
        r#"[{entry}, {{"id": "{}", "amount": 1, "currency": "usd", "initiated_at": 1}}]"#,
        "x".repeat(256)
    );
    assert!(error(&long).starts_with("prior[1].id: a debit id has at most 255"));
    let many = format!("[{}]", vec![entry; 10_001].join(","));
    assert!(error(&many).contains("at most 10000 prior debits"));
    let ten_thousand = format!("[{}]", vec![entry; 10_000].join(","));
    let text = line("pi_1", 100, &format!(r#", "prior": {ten_thousand}"#));
    assert!(batch.decide_line(text.as_bytes()).result.is_ok());
    // A request id beyond 255 characters is an error too: it is the debit's.
    let long_id = line(&"y".repeat(256), 100, "");
    assert!(
        batch
            .decide_line(long_id.as_bytes())
            .result
            .unwrap_err()
            .starts_with("id: a debit id")
    );
}

#[test]
fn request_prior_reads_what_check_prior_reads() {
    let prior = Request::prior(
        br#"[{"amount": 1500, "currency": "USD", "initiated_at": "2022-05-02T10:00:00Z"}]"#,
    )
    .unwrap();
    assert_eq!(prior.len(), 1);
    let e = Request::prior(br#"[{"amount": 1500}]"#).unwrap_err();
    assert_eq!(e.path(), "prior[0]");
    let debit = Request::debit(5_000, "usd", None)
        .unwrap()
        .with_prior(prior);
    let request = Request::new(
        AccountSource::Document(ACCOUNT.as_bytes(), ReadOptions::new()),
        debit,
        at(NOW),
    );
    let v = request.decide(&Policy::default()).unwrap();
    assert_eq!(exposure(&v), Some((1, 1_500)));
}

// ---- Invariants ------------------------------------------------------------------

fn amounts() -> impl Strategy<Value = Vec<(i64, bool)>> {
    proptest::collection::vec((1_i64..4_000, any::<bool>()), 1..12)
}

proptest! {
    #![proptest_config(crate::common::proptest_config(500))]

    /// Per account, a run never allows more than its balance supports: under
    /// a policy without cushions the allowed amounts (and the in_flight
    /// given) add up to at most the basis balance.
    #[test]
    fn a_run_never_allows_more_than_the_balance_holds(
        balance in 0_i64..20_000, requests in amounts(), in_flight in 0_i64..2_000,
    ) {
        let account = ACCOUNT.replace("6000", &balance.to_string());
        let batch = Batch::new(Policy::default(), at(NOW));
        let mut run = Run::new();
        let mut allowed = 0;
        for (i, (amount, with_id)) in requests.iter().enumerate() {
            let id = if *with_id { format!(r#""pi_{i}""#) } else { i.to_string() };
            let text = format!(r#"{{"id": {id}, "account": {account}, "amount": {amount}, "currency": "usd", "in_flight": {in_flight}}}"#);
            let v = batch.decide_read(batch.read_line(text.as_bytes()), &mut run).result.unwrap();
            if v.decision == Allow {
                allowed += amount;
                prop_assert!(allowed + in_flight <= balance, "{allowed} + {in_flight} > {balance}");
            }
        }
    }

    /// Deciding in place and writing later (the command line's parallel
    /// run) writes, byte for byte, what `decide_read` and `write_answer`
    /// write, on any mix of accounts, ids an answer cannot echo, overflowing
    /// amounts and unreadable lines; a line no run decided is answered as
    /// `Batch::answer` answers it alone.
    #[test]
    fn deciding_in_place_writes_what_decide_read_writes(
        requests in proptest::collection::vec((0_usize..3, 0_usize..6, 1_i64..4_000), 1..16),
    ) {
        let batch = Batch::new(Policy::default(), at(NOW));
        let texts: Vec<String> = requests
            .iter()
            .enumerate()
            .map(|(i, (account, kind, amount))| {
                let account = ACCOUNT.replace("fca_1", &format!("fca_{account}"));
                let id = match kind {
                    0 => r#""\ud800""#.to_owned(),
                    1 => i.to_string(),
                    _ => format!(r#""pi_{i}""#),
                };
                match kind {
                    2 => format!(r#"{{"id": {id}, "account": {account}, "amount": {amount}, "currency": "usd", "in_flight": {}}}"#, i64::MAX),
                    3 => format!(r#"{{"id": {id}, "account": {account}, "amount": "{amount}"}}"#),
                    _ => format!(r#"{{"id": {id}, "account": {account}, "amount": {amount}, "currency": "usd"}}"#),
                }
            })
            .collect();
        let mut expected = Vec::new();
        let mut run = Run::new();
        for t in &texts {
            batch.decide_read(batch.read_line(t.as_bytes()), &mut run).write_answer(&mut expected);
        }
        let mut read: Vec<_> = texts.iter().map(|t| batch.read_line(t.as_bytes()).into_owned()).collect();
        let mut alone = Vec::new();
        for (line, t) in read.iter().zip(&texts) {
            let mut written = Vec::new();
            batch.write_line(line, &mut written);
            batch.answer(t.as_bytes(), &mut alone);
            prop_assert_eq!(written, std::mem::take(&mut alone));
        }
        let mut run = Run::new();
        for line in &mut read {
            batch.decide_in_place(line, &mut run);
        }
        let mut written = Vec::new();
        for line in &read {
            batch.write_line(line, &mut written);
        }
        prop_assert_eq!(String::from_utf8(written).unwrap(), String::from_utf8(expected).unwrap());
    }

    /// The one ordered-parallel runner (`Batch::answer_stream`, what
    /// `fundsgate batch` runs; `Batch::decide_lines`, what Python's
    /// `decide_many` runs) answers, on any number of jobs and however the
    /// input arrives, byte for byte what deciding the lines one by one in a
    /// run (or alone, independent) answers; a line over the limit is its
    /// error line, the lines after it unharmed.
    #[test]
    fn the_runner_answers_what_one_line_at_a_time_answers(
        requests in proptest::collection::vec((0_usize..3, 0_usize..5, 1_i64..4_000), 0..24),
        jobs in 1_usize..4, independent in any::<bool>(), trickle in 1_usize..300, final_newline in any::<bool>(),
    ) {
        let batch = Batch::new(Policy::default(), at(NOW));
        let max_line = 900;
        let texts: Vec<String> = requests
            .iter()
            .enumerate()
            .map(|(i, (account, kind, amount))| {
                let account = ACCOUNT.replace("fca_1", &format!("fca_{account}")).replace('\n', " ");
                match kind {
                    0 => format!(r#"{{"id": {i}, "account": {account}, "amount": "{amount}"}}"#),
                    1 => format!(r#"{{"id": "pi_{i}", "account": {account}, "amount": {amount}, "currency": "usd", "pad": "{}"}}"#, "x".repeat(max_line)),
                    _ => format!(r#"{{"id": "pi_{i}", "account": {account}, "amount": {amount}, "currency": "usd"}}"#),
                }
            })
            .collect();
        let mut input = texts.join("\n");
        if final_newline && !texts.is_empty() {
            input.push('\n');
        }
        let too_long = "line too long";
        let mut expected = Vec::new();
        let mut run = if independent { Run::independent() } else { Run::new() };
        for t in &texts {
            if t.len() > max_line {
                fundsgate::LineOutcome::new(None, Err(too_long.to_owned())).write_answer(&mut expected);
            } else {
                batch.decide_read(batch.read_line(t.as_bytes()), &mut run).write_answer(&mut expected);
            }
        }
        let how = fundsgate::Streaming::new()
            .jobs(std::num::NonZeroUsize::new(jobs).unwrap())
            .independent(independent)
            .max_line(max_line, too_long);
        let mut streamed = Vec::new();
        batch.answer_stream(Trickle(input.as_bytes(), trickle), &mut streamed, &how).unwrap();
        prop_assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(expected.clone()).unwrap());
        let mut outcomes = Vec::new();
        batch.decide_lines(input.as_bytes(), &how, |o| o.write_answer(&mut outcomes));
        prop_assert_eq!(String::from_utf8(outcomes).unwrap(), String::from_utf8(expected).unwrap());
    }

    /// With cushions, each allowed debit's required amount (its cushions,
    /// in_flight and everything allowed before it) fits the balance.
    #[test]
    fn with_cushions_each_allowed_debit_fits(balance in 0_i64..20_000, requests in amounts(), buffer in 0_u64..500) {
        let account = ACCOUNT.replace("6000", &balance.to_string());
        let policy = Policy::builder().buffer_min(buffer).buffer_ratio("0.05".parse().unwrap()).build();
        let batch = Batch::new(policy, at(NOW));
        let mut run = Run::new();
        let mut allowed = 0;
        for (i, (amount, _)) in requests.iter().enumerate() {
            let text = format!(r#"{{"id": "pi_{i}", "account": {account}, "amount": {amount}, "currency": "usd"}}"#);
            let v = batch.decide_read(batch.read_line(text.as_bytes()), &mut run).result.unwrap();
            if v.decision == Allow {
                prop_assert_eq!(v.exposure.map_or(0, |e| e.amount), allowed);
                prop_assert!(v.required <= balance);
                prop_assert!(v.required >= allowed + amount);
                allowed += amount;
            }
        }
    }

    /// Adding a prior debit, or raising one's amount, never turns a deny
    /// into an allow.
    #[test]
    fn more_prior_debits_never_turn_a_deny_into_an_allow(
        available in 0_i64..50_000,
        amount in 1_i64..20_000,
        entries in proptest::collection::vec((1_i64..5_000, (NOW - 2 * DAY)..=NOW, proptest::option::of((NOW - 2 * DAY)..=NOW)), 0..5),
        extra in (1_i64..5_000, (NOW - 2 * DAY)..=NOW),
        raise in 0_i64..5_000,
        window in prop_oneof![Just(HOUR), Just(DAY), Just(7 * DAY)],
        count in proptest::option::of(1_u32..5),
        cap in proptest::option::of(1_u64..30_000),
        allowance_limit in 0_u64..20_000,
    ) {
        let amounts = cap.map_or_else(CurrencyMap::new, |a| CurrencyMap::single(usd(), a));
        let builder = allowance(allowance_limit).to_builder();
        let policy = match VelocityLimit::new(u32::try_from(window).unwrap(), count, amounts) {
            Ok(limit) => builder.velocity(Velocity::new([limit]).unwrap()).build(),
            Err(_) => builder.build(),
        };
        let base: Vec<PriorDebit> = entries
            .iter()
            .map(|&(a, at, settled)| prior(a, at).with_settled_at(settled))
            .collect();
        let mut more = base.clone();
        more.push(prior(extra.0, extra.1));
        let mut raised = base.clone();
        if let Some(first) = raised.first_mut() {
            *first = prior(first.amount() + raise, first.initiated_at()).with_settled_at(first.settled_at());
        }
        for s in [Some(healthy(available)), None] {
            let verdict = |list: &[PriorDebit]| {
                let d = with(debit(amount), list.to_vec());
                match &s {
                    Some(s) => decide(s, &d, &policy, at(NOW)).unwrap(),
                    None => decide_unlinked(&d, &policy, at(NOW)).unwrap(),
                }
            };
            if verdict(&base).decision != Allow {
                prop_assert_ne!(verdict(&more).decision, Allow);
                prop_assert_ne!(verdict(&raised).decision, Allow);
            }
        }
    }

    /// `not_before` is exact: at `not_before` the same request passes the
    /// velocity rows, one second earlier it does not.
    #[test]
    fn not_before_is_exact(
        entries in proptest::collection::vec((1_i64..5_000, (NOW - 8 * DAY)..=NOW), 1..8),
        amount in 1_i64..5_000,
        limits in proptest::collection::vec(
            (prop_oneof![Just(HOUR), Just(DAY), Just(7 * DAY), 1_i64..100_000], proptest::option::of(1_u32..5), proptest::option::of(1_u64..15_000)),
            1..4,
        ),
    ) {
        let limits: Vec<VelocityLimit> = limits
            .into_iter()
            .filter_map(|(w, c, a)| {
                let amounts = a.map_or_else(CurrencyMap::new, |a| CurrencyMap::single(usd(), a));
                VelocityLimit::new(u32::try_from(w).unwrap(), c, amounts).ok()
            })
            .collect();
        prop_assume!(!limits.is_empty());
        let policy = velocity(limits);
        let d = with(debit(amount), entries.iter().map(|&(a, t)| prior(a, t)).collect());
        let s = healthy(1_000_000_000);
        let velocity_row = |v: &fundsgate::Verdict| matches!(v.rule, Rule::VelocityCount | Rule::VelocityAmount);
        let v = decide(&s, &d, &policy, at(NOW)).unwrap();
        prop_assert_eq!(v.not_before.is_some() && !velocity_row(&v), false);
        if let Some(t) = v.not_before {
            prop_assert!(t > NOW);
            prop_assert!(!velocity_row(&decide(&s, &d, &policy, at(t)).unwrap()));
            prop_assert!(velocity_row(&decide(&s, &d, &policy, at(t - 1)).unwrap()));
        } else if velocity_row(&v) {
            // No wait helps: this debit alone breaks a max_amount.
            let alone = decide(&s, &debit(amount), &policy, at(NOW)).unwrap();
            prop_assert_eq!(alone.rule, Rule::VelocityAmount);
        }
    }

    /// An independent run decides every request as `decide` does alone.
    #[test]
    fn an_independent_run_is_version_2(requests in amounts()) {
        let snapshot: Snapshot = fundsgate::read_account(ACCOUNT.as_bytes(), &ReadOptions::new()).unwrap();
        let lines: Vec<String> = requests.iter().enumerate().map(|(i, (a, _))| line(&format!("pi_{i}"), *a, "")).collect();
        let run = decide_run(&lines, &mut Run::independent());
        for ((amount, _), (v, i)) in requests.iter().zip(run.iter().zip(0..)) {
            let d = debit(*amount).with_id(id(&format!("pi_{i}")));
            prop_assert_eq!(v, &decide(&snapshot, &d, &Policy::default(), at(NOW)).unwrap());
        }
    }
}
