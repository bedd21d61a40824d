//! Runs: requests decided in order, each allowed debit counted against the
//! later requests of the same account (SPEC §5b, "Within a run").
//!
//! `fundsgate batch`, Python's `decide_many`, Arrow batches and the Spark
//! job hold every debit of a run. Judged one by one, three debits of $30.00
//! against $60.00 available are all allowed; a [`Run`] allows two. It keeps,
//! per account (the same provider and the same non-null account id), the
//! debits it allowed, and gives them to the engine as prior debits of every
//! later request of that account.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

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
    accounts: Accounts,
}

/// The accounts of a run and their allowed debits. Most requests of a large
/// run name an account it has not seen: a compact index of 64-bit key hashes
/// (16 bytes an account: a few megabytes for hundreds of thousands of
/// accounts, in cache where the accounts would not be) answers them without touching the accounts themselves, which
/// are appended to `entries` in the order they first had a debit allowed.
#[derive(Clone, Debug, Default)]
struct Accounts<S = foldhash::quality::RandomState> {
    /// The hash of an account's key (foldhash, randomly seeded per run):
    /// its index in `entries`. The hash is used as it is ([`Keyed`]):
    /// hashing it again would cost a second hash per lookup.
    index: HashMap<u64, usize, BuildHasherDefault<Keyed>>,
    /// Accounts whose hash is already another account's (about one in 2^64
    /// pairs): looked up by their full key.
    collided: HashMap<AccountKey, usize>,
    entries: Vec<(AccountKey, Debits)>,
    hasher: S,
}

impl<S: BuildHasher> Accounts<S> {
    /// The position in `entries` of `key`, and its hash.
    fn find(&self, key: &AccountKey) -> (Option<usize>, u64) {
        let hash = self.hasher.hash_one(key);
        let at = match self.index.get(&hash) {
            None => None,
            Some(&at) if self.entries.get(at).is_some_and(|(k, _)| k == key) => Some(at),
            Some(_) => self.collided.get(key).copied(),
        };
        (at, hash)
    }

    /// Adds a new account (`find` gave `None` for it) with its first debit.
    fn insert(&mut self, key: AccountKey, hash: u64, first: PriorDebit) {
        let at = self.entries.len();
        match self.index.entry(hash) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert(key.clone(), at);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(at);
            }
        }
        self.entries.push((key, Debits::One(first)));
    }
}

/// The hasher of [`Accounts::index`], whose keys are already hashes under
/// a random seed: well mixed in every bit, and not predictable by whoever
/// writes the input, so they are used as they are. (Two accounts whose
/// 64-bit hashes collide go to `collided`, a SipHash map keyed by the
/// whole key, so even an input that knew the seed could only slow its own
/// run's lookups, never change an answer.)
#[derive(Clone, Copy, Debug, Default)]
struct Keyed(u64);

impl Hasher for Keyed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }

    /// Only `u64` keys are hashed; other bytes (none today) are mixed in
    /// rather than dropped, so a different key type would still hash.
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
}

/// An account's allowed debits, in order of `initiated_at`: the first
/// inline (most accounts of a run have one, and then no vector is
/// allocated for them), more in a vector.
#[derive(Clone, Debug)]
enum Debits {
    One(PriorDebit),
    Many(Vec<PriorDebit>),
}

impl Debits {
    fn as_slice(&self) -> &[PriorDebit] {
        match self {
            Debits::One(p) => std::slice::from_ref(p),
            Debits::Many(v) => v,
        }
    }

    /// Adds an allowed debit ([`record`]).
    fn record(&mut self, allowed: PriorDebit) {
        if let Debits::One(_) = self {
            let Debits::One(first) = std::mem::replace(self, Debits::Many(Vec::with_capacity(2)))
            else {
                return;
            };
            if let Debits::Many(v) = self {
                v.push(first);
            }
        }
        if let Debits::Many(v) = self {
            record(v, allowed);
        }
    }
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
            accounts: Accounts::default(),
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
        match self.accounts.find(&key) {
            (Some(at), _) => {
                let earlier = self
                    .accounts
                    .entries
                    .get(at)
                    .map_or(&[][..], |(_, e)| e.as_slice());
                let decided = outcome(snapshot, debit, &without_own(earlier, debit), policy, now)?;
                if decided.decision == Decision::Allow
                    && let Some((_, entries)) = self.accounts.entries.get_mut(at)
                {
                    entries.record(PriorDebit::allowed(debit, now));
                }
                Ok(decided)
            }
            (None, hash) => {
                let decided = outcome(snapshot, debit, &[], policy, now)?;
                if decided.decision == Decision::Allow {
                    self.accounts
                        .insert(key, hash, PriorDebit::allowed(debit, now));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key hashes alike: each account after the first is a collision.
    #[derive(Clone, Copy, Debug, Default)]
    struct Colliding;

    #[derive(Clone, Copy, Debug, Default)]
    struct Seven;

    impl std::hash::Hasher for Seven {
        fn finish(&self) -> u64 {
            7
        }
        fn write(&mut self, _: &[u8]) {}
    }

    impl BuildHasher for Colliding {
        type Hasher = Seven;
        fn build_hasher(&self) -> Seven {
            Seven
        }
    }

    fn key(id: &str) -> AccountKey {
        AccountKey(Some(Provider::Stripe), AccountId::new(id))
    }

    #[test]
    fn recorded_debits_stay_in_time_order_and_once_per_id() {
        let usd = crate::money::Currency::new("usd").unwrap_or_else(|_| unreachable!());
        let at = |t: i64, id: Option<&str>| {
            let d = Debit::new(100, usd, 0).unwrap_or_else(|_| unreachable!());
            let d = match id {
                Some(id) => d.with_id(DebitId::new(id).unwrap_or_else(|_| unreachable!())),
                None => d,
            };
            PriorDebit::allowed(&d, t)
        };
        let mut entries = Vec::new();
        for (t, id) in [
            (50, None),
            (10, Some("pi_a")),
            (30, None),
            (10, None),
            (70, Some("pi_a")),
        ] {
            record(&mut entries, at(t, id));
        }
        let times: Vec<i64> = entries.iter().map(PriorDebit::initiated_at).collect();
        // pi_a's second allow replaced its first; ties keep arrival order.
        assert_eq!(times, [10, 30, 50, 70]);
        assert_eq!(
            entries.last().and_then(|p| p.id()).map(DebitId::as_str),
            Some("pi_a")
        );
    }

    #[test]
    fn the_index_uses_a_key_hash_as_it_is() {
        let of = |write: &dyn Fn(&mut Keyed)| {
            let mut h = Keyed::default();
            write(&mut h);
            h.finish()
        };
        assert_eq!(
            of(&|h| h.write_u64(0xdead_beef_0bad_f00d)),
            0xdead_beef_0bad_f00d
        );
        // Bytes of another key type would still be told apart.
        assert_ne!(of(&|h| h.write(b"ab")), of(&|h| h.write(b"ba")));
        assert_ne!(of(&|h| h.write(b"a")), of(&|h| h.write(b"")));
    }

    #[test]
    fn colliding_hashes_keep_accounts_apart() {
        let debit = Debit::new(
            100,
            crate::money::Currency::new("usd").unwrap_or_else(|_| unreachable!()),
            0,
        )
        .unwrap_or_else(|_| unreachable!());
        let mut accounts = Accounts::<Colliding>::default();
        for (n, id) in ["fca_a", "fca_b", "fca_c"].into_iter().enumerate() {
            let (found, hash) = accounts.find(&key(id));
            assert_eq!(found, None, "{id} is new");
            accounts.insert(
                key(id),
                hash,
                PriorDebit::allowed(&debit, i64::try_from(n).unwrap_or(0)),
            );
        }
        for (n, id) in ["fca_a", "fca_b", "fca_c"].into_iter().enumerate() {
            assert_eq!(accounts.find(&key(id)).0, Some(n), "{id}");
        }
        assert_eq!(accounts.find(&key("fca_d")).0, None);
        assert_eq!(accounts.collided.len(), 2);
        // Another provider's account of the same id is another account.
        let plaid = AccountKey(Some(Provider::Plaid), AccountId::new("fca_a"));
        assert_eq!(accounts.find(&plaid).0, None);
    }
}
