//! Runs: requests decided in order, each allowed debit counted against the
//! later requests of the same account (SPEC §5b, "Within a run").
//!
//! `fundsgate batch`, Python's `decide_many`, Arrow batches and the Spark
//! job hold every debit of a run. Judged one by one, three debits of $30.00
//! against $60.00 available are all allowed; a [`Run`] allows two. It keeps,
//! per account (the same provider and the same non-null account id), the
//! debits it allowed, and gives them to the engine as prior debits of every
//! later request of that account.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::debit::{Debit, DebitId, PriorDebit};
use crate::engine::{Outcome, outcome};
use crate::error::{RequestError, RequiredOverflow};
use crate::policy::Policy;
use crate::request::Request;
use crate::snapshot::{AccountId, Provider, Snapshot, UnixSeconds};
use crate::verdict::{Decision, Verdict};

/// The requests of one run, decided in order.
///
/// ```
/// use fundsgate::{AccountSource, Decision, Policy, ReadOptions, Request, Run, from_unix};
/// let account = br#"{"id": "fca_1", "object": "financial_connections.account", "status": "active",
///   "balance": {"as_of": 1651516592, "type": "cash", "current": {"usd": 6000},
///               "cash": {"available": {"usd": 6000}}}}"#;
/// let now = from_unix(1_651_516_600).ok_or("time")?;
/// let mut run = Run::new();
/// let decisions: Vec<Decision> = (0..3)
///     .map(|_| {
///         let debit = Request::debit(3_000, "usd", None)?;
///         let request = Request::new(AccountSource::Document(account, ReadOptions::new()), debit, now);
///         run.decide(&request, &Policy::default()).map(|v| v.decision)
///     })
///     .collect::<Result<_, _>>()?;
/// // $60.00 available: two debits of $30.00, not three.
/// assert_eq!(decisions, [Decision::Allow, Decision::Allow, Decision::Deny]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Memory grows with the accounts that had a debit allowed, and with the
/// debits allowed on each (a few hundred bytes per account; see README).
#[derive(Clone, Debug, Default)]
pub struct Run {
    independent: bool,
    accounts: HashMap<AccountKey, Vec<PriorDebit>>,
}

/// An account of a run: its provider and its id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct AccountKey(Option<Provider>, AccountId);

impl Run {
    /// A run that accumulates: each allowed debit is a prior debit of the
    /// later requests of its account.
    pub fn new() -> Run {
        Run::default()
    }

    /// A run that decides every request alone, as SPEC version 2 did
    /// (`--independent`).
    pub fn independent() -> Run {
        Run {
            independent: true,
            accounts: HashMap::new(),
        }
    }

    /// Whether this run decides every request alone.
    pub fn is_independent(&self) -> bool {
        self.independent
    }

    /// Reads the request's account and decides it after every request this
    /// run decided before.
    ///
    /// # Errors
    ///
    /// As [`Request::decide`]. A request in error adds nothing to the run.
    pub fn decide(
        &mut self,
        request: &Request<'_>,
        policy: &Policy,
    ) -> Result<Verdict, RequestError> {
        let snapshot = request.account.read()?;
        self.decide_snapshot(snapshot.as_deref(), &request.debit, policy, request.now)
            .map_err(|e| RequestError::overflow(&e))
    }

    /// [`Run::decide`] for an account already read (`None`: unlinked).
    pub(crate) fn decide_snapshot(
        &mut self,
        snapshot: Option<&Snapshot>,
        debit: &Debit,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<Verdict, RequiredOverflow> {
        let now = now.timestamp();
        self.outcome(snapshot, debit, policy, now)
            .map(|o| o.into_verdict(snapshot, debit, policy, now))
    }

    /// The decision without its audit record (the Arrow writer's).
    pub(crate) fn outcome(
        &mut self,
        snapshot: Option<&Snapshot>,
        debit: &Debit,
        policy: &Policy,
        now: UnixSeconds,
    ) -> Result<Outcome, RequiredOverflow> {
        // The same provider (or none, for typed Arrow columns) and the same
        // non-null account id.
        let key = match (self.independent, snapshot) {
            (false, Some(s)) => s.account_id.clone().map(|id| AccountKey(s.provider, id)),
            _ => None,
        };
        let Some(key) = key else {
            return outcome(snapshot, debit, &[], policy, now);
        };
        // One lookup: the account's entries, read, then added to on an allow.
        match self.accounts.entry(key) {
            Entry::Occupied(mut known) => {
                let decided = outcome(
                    snapshot,
                    debit,
                    &without_own(known.get(), debit),
                    policy,
                    now,
                )?;
                if decided.decision == Decision::Allow {
                    record(known.get_mut(), PriorDebit::allowed(debit, now));
                }
                Ok(decided)
            }
            Entry::Vacant(new) => {
                let decided = outcome(snapshot, debit, &[], policy, now)?;
                if decided.decision == Decision::Allow {
                    new.insert(vec![PriorDebit::allowed(debit, now)]);
                }
                Ok(decided)
            }
        }
    }
}

/// The run's entries for an account, without those whose id the debit's
/// own prior list holds: the request's own entry wins (it may say the debit
/// settled). Borrowed when nothing is left out.
fn without_own<'a>(earlier: &'a [PriorDebit], debit: &Debit) -> std::borrow::Cow<'a, [PriorDebit]> {
    let own = debit.prior();
    if earlier.is_empty() || own.iter().all(|p| p.id().is_none()) {
        return std::borrow::Cow::Borrowed(earlier);
    }
    let ids: HashSet<&DebitId> = own.iter().filter_map(PriorDebit::id).collect();
    if !earlier
        .iter()
        .any(|p| p.id().is_some_and(|id| ids.contains(id)))
    {
        return std::borrow::Cow::Borrowed(earlier);
    }
    std::borrow::Cow::Owned(
        earlier
            .iter()
            .filter(|p| p.id().is_none_or(|id| !ids.contains(id)))
            .cloned()
            .collect(),
    )
}

/// Adds an allowed debit to its account's entries, kept in order of
/// `initiated_at`; a payment allowed again replaces its earlier entry (it
/// counts once, as its latest allow).
fn record(entries: &mut Vec<PriorDebit>, allowed: PriorDebit) {
    if let Some(id) = allowed.id() {
        entries.retain(|p| p.id() != Some(id));
    }
    let at = entries.partition_point(|p| p.initiated_at() <= allowed.initiated_at());
    entries.insert(at, allowed);
}
