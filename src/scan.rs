//! A fast path for reading the common shape of Stripe accounts and batch lines.
//!
//! serde_json is the reference reader: it defines what is accepted, and every
//! error message and JSON path comes from it. This module is an optimisation
//! in front of it, for the batch hot path: a small validating scanner that
//! reads plain documents (ASCII only, no escapes, integers only, nesting under
//! [`MAX_DEPTH`]) straight into the same wire structs, without serde's
//! per-field machinery.
//!
//! The rule that keeps it honest: **it either produces exactly what serde_json
//! would, or gives up** (`None`), and the caller then runs serde_json. It gives
//! up on anything unusual: a backslash, a non-ASCII byte, a control character,
//! a fraction or exponent, a value of an unexpected type, a duplicate field the
//! gate reads, an invalid currency key, a number out of range, an event
//! document, trailing characters. A unit test runs both readers on generated
//! and damaged documents and checks that whenever this one answers, the
//! answers agree; the fuzz targets do the same.

use chrono::{DateTime, Utc};

use crate::debit::Presentment;
use crate::instant::{parse_instant, unix_seconds};
use crate::json::Obj;
use crate::money::{Currency, CurrencyMap, MapBuilder, Strict};
use crate::snapshot::{AccountId, BalanceType, Category, RefreshStatus, Status};
use crate::stripe_wire::{
    Contains, Document, EventData, Is, ObjectKind, Transactable, Wanted, Wire, WireAccountNumbers,
    WireBalance, WireCash, WireEnum, WireRefresh, WireStatusDetail, WireStatusDetails,
};

/// Deeper documents are left to serde_json (whose own limit is 128).
pub(crate) const MAX_DEPTH: u32 = 64;

/// Reads an account document (not an event).
pub(crate) fn document(bytes: &[u8]) -> Option<Document> {
    let mut s = Scanner::new(bytes);
    let doc = s.document()?;
    s.end()?;
    Some(doc)
}

/// A batch request line, read.
pub(crate) struct Request<'a> {
    /// The raw JSON text of `id`; `None` when absent or null.
    pub id: Option<&'a [u8]>,
    /// `None` when absent, `Some(None)` when null (an unlinked debit).
    pub account: Option<Option<Document>>,
    pub amount: Option<i64>,
    pub currency: Option<Currency>,
    pub in_flight: Option<i64>,
    pub now: Option<DateTime<Utc>>,
    pub presentment: Option<Presentment>,
}

/// Reads a batch request line.
pub(crate) fn request(bytes: &[u8]) -> Option<Request<'_>> {
    let mut s = Scanner::new(bytes);
    let mut r = Request {
        id: None,
        account: None,
        amount: None,
        currency: None,
        in_flight: None,
        now: None,
        presentment: None,
    };
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"id" => {
            seen.first(0)?;
            s.ws();
            let start = s.i;
            s.skip_value()?;
            let raw = s.b.get(start..s.i)?;
            // ASCII by construction; `null` reads as absent, like serde's Option.
            r.id = Some(raw).filter(|t| *t != b"null");
            Some(())
        }
        b"account" => {
            seen.first(1)?;
            r.account = Some(s.nullable(Scanner::document)?);
            Some(())
        }
        b"amount" => {
            seen.first(2)?;
            r.amount = s.nullable(Scanner::int)?;
            Some(())
        }
        b"currency" => {
            seen.first(3)?;
            r.currency = s.nullable(Scanner::currency)?;
            Some(())
        }
        b"in_flight" => {
            seen.first(4)?;
            r.in_flight = s.nullable(Scanner::int)?;
            Some(())
        }
        b"now" => {
            seen.first(5)?;
            r.now = s.nullable(|s| match s.peek()? {
                b'"' => parse_instant(s.str()?).ok(),
                _ => unix_seconds(s.int()?).ok(),
            })?;
            Some(())
        }
        // A re-presentment is rare, and an unknown key is an error (SPEC
        // §6): serde_json reads both.
        _ => None,
    })?;
    s.end()?;
    Some(r)
}

/// Which of a struct's fields were read already: a second one is a serde
/// "duplicate field" error, so the fast path gives up.
#[derive(Default)]
struct Seen(u16);

impl Seen {
    fn first(&mut self, field: u8) -> Option<()> {
        let bit = 1_u16.checked_shl(u32::from(field))?;
        if self.0 & bit != 0 {
            return None;
        }
        self.0 |= bit;
        Some(())
    }
}

/// Marks (with its high bit) each of the eight bytes packed little-endian in
/// `word` that is a quote, a backslash, a control character (below 0x20) or
/// not ASCII, by the classic SWAR tests (`has_zero(v) = (v − 0x01…) & !v &
/// 0x80…`). Higher marks may be spurious, but the lowest one is always
/// exact: a borrow only travels upwards from a byte that is itself marked.
fn special(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = 0x2222_2222_2222_2222;
    const BACKSLASHES: u64 = 0x5c5c_5c5c_5c5c_5c5c;
    const SPACES: u64 = 0x2020_2020_2020_2020;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    (word & HIGHS)
        | zero(word ^ QUOTES)
        | zero(word ^ BACKSLASHES)
        | (word.wrapping_sub(SPACES) & !word & HIGHS)
}

/// The one-byte version of [`special`].
fn special_byte(c: u8) -> bool {
    matches!(c, b'"' | b'\\' | 0..0x20 | 0x80..)
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    depth: u32,
}

impl<'a> Scanner<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Scanner {
            b: bytes,
            i: 0,
            depth: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn bump(&mut self) {
        self.i = self.i.saturating_add(1);
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    /// Skips whitespace and consumes `c`, or gives up.
    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.bump())
    }

    /// Only whitespace may follow the document.
    fn end(&mut self) -> Option<()> {
        self.ws();
        (self.i == self.b.len()).then_some(())
    }

    /// A string of ASCII without escapes or control characters; its content.
    #[inline(always)]
    fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let rest = self.b.get(self.i..)?;
        // Eight bytes at a time: the lowest special byte ends the string if
        // it is the closing quote, and makes the fast path give up otherwise.
        let mut len: usize = 0;
        let end = loop {
            let Some(chunk) = rest.get(len..len.checked_add(8)?) else {
                // Fewer than eight bytes left in the input: byte by byte.
                let tail = rest.get(len..)?;
                let at = tail.iter().position(|&c| special_byte(c))?;
                break len.checked_add(at)?;
            };
            let mask = special(u64::from_le_bytes(chunk.try_into().ok()?));
            if mask != 0 {
                break len.checked_add(usize::try_from(mask.trailing_zeros() / 8).ok()?)?;
            }
            len = len.checked_add(8)?;
        };
        if rest.get(end) != Some(&b'"') {
            return None;
        }
        self.i = self.i.checked_add(end)?.checked_add(1)?;
        rest.get(..end)
    }

    fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.string()?).ok()
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i.checked_add(word.len())?;
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// A JSON integer in i64 range, as serde_json reads it: no fraction, no
    /// exponent, no leading zero, and not `-0` (which serde_json reads as a
    /// float).
    fn int(&mut self) -> Option<i64> {
        self.ws();
        let negative = self.peek()? == b'-';
        if negative {
            self.bump();
        }
        let rest = self.b.get(self.i..)?;
        // One pass: up to 19 digits are read (18 cannot overflow; a 19th
        // makes the fast path give up, as i64 needs 19 only above 10^18).
        let mut magnitude = 0_i64;
        let mut digits = 0_usize;
        for &c in rest.iter().take(19) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            magnitude = magnitude.wrapping_mul(10).wrapping_add(i64::from(d));
            digits = digits.wrapping_add(1);
        }
        let first = *rest.first()?;
        if digits == 0 || digits > 18 || (first == b'0' && digits > 1) {
            return None;
        }
        self.i = self.i.checked_add(digits)?;
        let minus_zero = negative && magnitude == 0;
        let float = matches!(self.peek(), Some(b'.' | b'e' | b'E'));
        if minus_zero || float {
            return None;
        }
        Some(if negative {
            magnitude.wrapping_neg()
        } else {
            magnitude
        })
    }

    /// `null` (returns `None`) or whatever `read` reads.
    fn nullable<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        self.ws();
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            Some(None)
        } else {
            read(self).map(Some)
        }
    }

    /// An object: calls `field` with each key, positioned at its value,
    /// which `field` must consume.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        self.depth = self.depth.checked_add(1).filter(|d| *d <= MAX_DEPTH)?;
        self.ws();
        if self.peek()? == b'}' {
            self.bump();
        } else {
            loop {
                let key = self.string()?;
                self.eat(b':')?;
                field(self, key)?;
                self.ws();
                match self.peek()? {
                    b',' => self.bump(),
                    b'}' => {
                        self.bump();
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth = self.depth.saturating_sub(1);
        Some(())
    }

    /// Skips any value, checking its syntax as serde_json would.
    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'{' => self.object(|s, _| s.skip_value()),
            b'[' => {
                self.bump();
                self.depth = self.depth.checked_add(1).filter(|d| *d <= MAX_DEPTH)?;
                self.ws();
                if self.peek()? == b']' {
                    self.bump();
                } else {
                    loop {
                        self.skip_value()?;
                        self.ws();
                        match self.peek()? {
                            b',' => self.bump(),
                            b']' => {
                                self.bump();
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                self.depth = self.depth.saturating_sub(1);
                Some(())
            }
            b'"' => self.string().map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.int().map(drop),
        }
    }

    fn currency(&mut self) -> Option<Currency> {
        Currency::from_ascii(self.string()?)
    }

    fn wire<T: WireEnum + Copy>(&mut self) -> Option<Wire<T>> {
        Some(Wire(T::from_wire(self.string()?)))
    }

    fn map(&mut self) -> Option<CurrencyMap<i64>> {
        let mut map = MapBuilder::new();
        self.object(|s, key| {
            let ccy = Currency::from_ascii(key)?;
            let value = s.nullable(Scanner::int)?;
            // A duplicate is serde_json's to report.
            map.insert(ccy, value).ok()
        })?;
        Some(map.finish())
    }

    fn document(&mut self) -> Option<Document> {
        let mut d = Document::default();
        let mut seen = Seen::default();
        self.object(|s, key| match key {
            b"object" => {
                seen.first(0)?;
                d.object = s.nullable(|s| match s.string()? {
                    b"financial_connections.account" => Some(ObjectKind::Account),
                    b"event" => Some(ObjectKind::Event),
                    // Other objects, and their errors, are rare: serde_json
                    // reads them.
                    _ => None,
                })?;
                Some(())
            }
            b"status" => {
                seen.first(1)?;
                d.status = s.nullable(Scanner::wire::<Status>)?;
                Some(())
            }
            b"id" => {
                seen.first(11)?;
                d.id = s.nullable(|s| Some(AccountId::new(s.str()?)))?;
                Some(())
            }
            b"category" => {
                seen.first(2)?;
                d.category = s.nullable(Scanner::wire::<Category>)?;
                Some(())
            }
            b"balance" => {
                seen.first(3)?;
                d.balance = s.nullable(Scanner::balance)?.map(Obj);
                Some(())
            }
            b"balance_refresh" => {
                seen.first(4)?;
                d.balance_refresh = s.nullable(Scanner::refresh)?.map(Obj);
                Some(())
            }
            b"data" => {
                seen.first(5)?;
                d.data = s.nullable(Scanner::event_data)?.map(Obj);
                Some(())
            }
            b"livemode" => {
                seen.first(6)?;
                d.livemode = s.nullable(Scanner::boolean)?;
                Some(())
            }
            b"permissions" => {
                seen.first(7)?;
                d.permissions = s.nullable(Scanner::contains)?;
                Some(())
            }
            b"supported_payment_method_types" => {
                seen.first(8)?;
                d.supported_payment_method_types = s.nullable(Scanner::contains)?;
                Some(())
            }
            b"status_details" => {
                seen.first(9)?;
                d.status_details = s.nullable(Scanner::status_details)?.map(Obj);
                Some(())
            }
            b"account_numbers" => {
                seen.first(10)?;
                d.account_numbers = s.nullable(Scanner::account_numbers)?;
                Some(())
            }
            _ => s.skip_value(),
        })?;
        Some(d)
    }

    fn boolean(&mut self) -> Option<bool> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|()| true),
            b'f' => self.literal(b"false").map(|()| false),
            _ => None,
        }
    }

    fn is<W: Wanted>(&mut self) -> Option<Is<W>> {
        Some(Is::new(self.string()? == W::NAME.as_bytes()))
    }

    /// An array of strings: whether it holds `W::NAME`.
    fn contains<W: Wanted>(&mut self) -> Option<Contains<W>> {
        let mut found = false;
        self.array(|s| {
            found |= s.is::<W>()?.0;
            Some(())
        })?;
        Some(Contains::new(found))
    }

    /// An array: calls `element`, positioned at each element, which it must
    /// consume.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        self.depth = self.depth.checked_add(1).filter(|d| *d <= MAX_DEPTH)?;
        self.ws();
        if self.peek()? == b']' {
            self.bump();
        } else {
            loop {
                self.ws();
                element(self)?;
                self.ws();
                match self.peek()? {
                    b',' => self.bump(),
                    b']' => {
                        self.bump();
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth = self.depth.saturating_sub(1);
        Some(())
    }

    fn status_details(&mut self) -> Option<WireStatusDetails> {
        let mut d = WireStatusDetails::default();
        let mut seen = Seen::default();
        self.object(|s, key| match key {
            b"active" => {
                seen.first(0)?;
                d.active = s.nullable(Scanner::status_detail)?.map(Obj);
                Some(())
            }
            b"inactive" => {
                seen.first(1)?;
                d.inactive = s.nullable(Scanner::status_detail)?.map(Obj);
                Some(())
            }
            _ => s.skip_value(),
        })?;
        Some(d)
    }

    fn status_detail(&mut self) -> Option<WireStatusDetail> {
        let mut d = WireStatusDetail::default();
        let mut seen = Seen::default();
        self.object(|s, key| match key {
            b"action" => {
                seen.first(0)?;
                d.action = s.nullable(Scanner::is)?;
                Some(())
            }
            b"cause" => {
                seen.first(1)?;
                d.cause = s.nullable(Scanner::is)?;
                Some(())
            }
            b"expected_deactivation_date" => {
                seen.first(2)?;
                d.expected_deactivation_date = s.nullable(Scanner::int)?.map(Strict);
                Some(())
            }
            _ => s.skip_value(),
        })?;
        Some(d)
    }

    fn account_numbers(&mut self) -> Option<WireAccountNumbers> {
        let mut numbers = WireAccountNumbers::default();
        self.array(|s| {
            let mut seen = Seen::default();
            let mut transactable = false;
            s.object(|s, key| match key {
                b"status" => {
                    seen.first(0)?;
                    transactable = s
                        .nullable(Scanner::is::<Transactable>)?
                        .is_some_and(|Is(yes, _)| yes);
                    Some(())
                }
                _ => s.skip_value(),
            })?;
            numbers.any = true;
            numbers.transactable |= transactable;
            Some(())
        })?;
        Some(numbers)
    }

    /// An event's `data`: its `object` is a document of its own (an
    /// account, or anything whose error serde_json reports).
    fn event_data(&mut self) -> Option<EventData> {
        let mut e = EventData::default();
        let mut seen = Seen::default();
        self.object(|s, key| match key {
            b"object" => {
                seen.first(0)?;
                e.object = s.nullable(Scanner::document)?.map(|d| Box::new(Obj(d)));
                Some(())
            }
            _ => s.skip_value(),
        })?;
        Some(e)
    }

    fn balance(&mut self) -> Option<WireBalance> {
        let mut b = WireBalance::default();
        let mut seen = Seen::default();
        self.object(|s, key| match key {
            b"as_of" => {
                seen.first(0)?;
                b.as_of = s.nullable(Scanner::int)?.map(Strict);
                Some(())
            }
            b"type" => {
                seen.first(1)?;
                b.kind = s.nullable(Scanner::wire::<BalanceType>)?;
                Some(())
            }
            b"current" => {
                seen.first(2)?;
                b.current = s.nullable(Scanner::map)?;
                Some(())
            }
            b"cash" => {
                seen.first(3)?;
                b.cash = s.nullable(Scanner::cash)?.map(Obj);
                Some(())
            }
            _ => s.skip_value(),
        })?;
        Some(b)
    }

    fn cash(&mut self) -> Option<WireCash> {
        let mut c = WireCash::default();
        let mut seen = Seen::default();
        self.object(|s, key| match key {
            b"available" => {
                seen.first(0)?;
                c.available = s.nullable(Scanner::map)?;
                Some(())
            }
            _ => s.skip_value(),
        })?;
        Some(c)
    }

    fn refresh(&mut self) -> Option<WireRefresh> {
        let mut r = WireRefresh::default();
        let mut seen = Seen::default();
        self.object(|s, key| match key {
            b"status" => {
                seen.first(0)?;
                r.status = s.nullable(Scanner::wire::<RefreshStatus>)?;
                Some(())
            }
            b"last_attempted_at" => {
                seen.first(1)?;
                r.last_attempted_at = s.nullable(Scanner::int)?.map(Strict);
                Some(())
            }
            b"next_refresh_available_at" => {
                seen.first(2)?;
                r.next_refresh_available_at = Some(s.nullable(Scanner::int)?.map(Strict));
                Some(())
            }
            _ => s.skip_value(),
        })?;
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    //! Differential tests: whenever the fast path answers, serde_json must
    //! give the same answer.
    #![allow(
        clippy::arithmetic_side_effects,
        clippy::indexing_slicing,
        reason = "test code: generated inputs are small and indices checked"
    )]

    use super::*;
    use crate::error::JsonError;
    use crate::json::from_slice_tracked;
    use crate::snapshot::Snapshot;
    use proptest::prelude::*;

    fn serde_document(bytes: &[u8]) -> Result<Result<Snapshot, JsonError>, JsonError> {
        from_slice_tracked::<Obj<Document>>(bytes).map(|Obj(d)| d.into_snapshot(""))
    }

    type Summary = (
        Option<Vec<u8>>,
        Option<Option<Result<Snapshot, JsonError>>>,
        Option<i64>,
        Option<Currency>,
        Option<i64>,
        Option<DateTime<Utc>>,
        Option<Presentment>,
    );

    fn summary(r: Request<'_>) -> Summary {
        (
            r.id.map(<[u8]>::to_vec),
            r.account.map(|a| a.map(|a| a.into_snapshot("account"))),
            r.amount,
            r.currency,
            r.in_flight,
            r.now,
            r.presentment,
        )
    }

    #[track_caller]
    fn agree_on_document(text: &str) -> bool {
        let Some(fast) = document(text.as_bytes()) else {
            return false;
        };
        let slow = serde_document(text.as_bytes());
        assert_eq!(Ok(fast.into_snapshot("")), slow, "document: {text}");
        true
    }

    #[track_caller]
    fn agree_on_request(text: &str) -> bool {
        let Some(fast) = request(text.as_bytes()) else {
            return false;
        };
        let slow = crate::batch::serde_request(text.as_bytes()).map(summary);
        assert_eq!(Ok(summary(fast)), slow, "request: {text}");
        true
    }

    fn pick(options: &'static [&'static str]) -> impl Strategy<Value = String> {
        proptest::sample::select(options).prop_map(str::to_owned)
    }

    fn ws() -> impl Strategy<Value = String> {
        pick(&["", "", " ", "\n", "\t ", "\r\n"])
    }

    fn int() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => (-2_000_000_i64..2_000_000).prop_map(|n| n.to_string()),
            1 => pick(&[
                "0", "-0", "01", "1.0", "1e3", "-5", "9223372036854775807", "9223372036854775808",
                "-9223372036854775808", "-9223372036854775809", "18446744073709551616", "null",
                "\"5\"", "true", "[]", "{}", "1.5e400", "- 1", "+1", "0x10",
            ]),
        ]
    }

    fn word() -> impl Strategy<Value = String> {
        pick(&[
            "\"active\"",
            "\"inactive\"",
            "\"disconnected\"",
            "\"cash\"",
            "\"credit\"",
            "\"investment\"",
            "\"other\"",
            "\"pending\"",
            "\"succeeded\"",
            "\"failed\"",
            "\"weird\"",
            "\"act\\u0069ve\"",
            "\"caf\u{e9}\"",
            "null",
            "1",
            "\"\"",
            "\"a\\\"b\"",
            "\"tab\there\"",
            "\"del\u{7f}\"",
            "[\"cash\"]",
            "\"usd\"",
        ])
    }

    fn any_value() -> impl Strategy<Value = String> {
        prop_oneof![
            int(),
            word(),
            pick(&[
                "{}",
                "[]",
                "[1, 2, [3, {\"a\": null}]]",
                "{\"nested\": {\"deeper\": [true, false]}}",
                "\"with \\\\ escape\"",
                "\"\\ud800\"",
                "[1,]",
                "{\"a\" 1}",
                "tru",
                "nul",
                "[[[[[[]]]]]]",
            ]),
        ]
    }

    fn object(fields: Vec<(String, String)>, ws: String) -> String {
        let body: Vec<String> = fields
            .into_iter()
            .map(|(k, v)| format!("{ws}\"{k}\"{ws}:{ws}{v}"))
            .collect();
        format!("{{{}{ws}}}", body.join(","))
    }

    fn map() -> impl Strategy<Value = String> {
        let key = pick(&[
            "usd",
            "usd",
            "USD",
            "eur",
            "Cad",
            "us",
            "u\\u0073d",
            "undefined",
            "",
            "u d",
        ]);
        prop_oneof![
            1 => pick(&["null", "[]", "5"]),
            6 => (proptest::collection::vec((key, int()), 0..4), ws()).prop_map(|(f, w)| object(f, w)),
        ]
    }

    fn field(
        names: &'static [&'static str],
        value: impl Strategy<Value = String>,
    ) -> impl Strategy<Value = (String, String)> {
        (proptest::sample::select(names), value).prop_map(|(k, v)| (k.to_owned(), v))
    }

    fn balance() -> impl Strategy<Value = String> {
        let fields = prop_oneof![
            3 => field(&["as_of"], int()),
            2 => field(&["type"], word()),
            3 => field(&["current"], map()),
            2 => field(&["cash"], (proptest::collection::vec(field(&["available", "pending"], map()), 0..2), ws()).prop_map(|(f, w)| object(f, w))),
            1 => field(&["credit", "extra"], any_value()),
        ];
        prop_oneof![
            1 => pick(&["null", "[]", "1"]),
            8 => (proptest::collection::vec(fields, 0..6), ws()).prop_map(|(f, w)| object(f, w)),
        ]
    }

    fn refresh() -> impl Strategy<Value = String> {
        let fields = prop_oneof![
            field(&["status"], word()),
            field(&["last_attempted_at", "next_refresh_available_at"], int()),
            field(&["error"], any_value()),
        ];
        prop_oneof![
            1 => pick(&["null", "\"pending\""]),
            6 => (proptest::collection::vec(fields, 0..5), ws()).prop_map(|(f, w)| object(f, w)),
        ]
    }

    fn document_text() -> impl Strategy<Value = String> {
        let fields = prop_oneof![
            2 => field(&["object"], pick(&["\"financial_connections.account\"", "\"event\"", "\"charge\"", "null", "5"])),
            3 => field(&["status"], word()),
            1 => field(&["category"], word()),
            4 => field(&["balance"], balance()),
            3 => field(&["balance_refresh"], refresh()),
            1 => field(&["data"], any_value()),
            3 => field(&["id", "livemode", "permissions", "institution_name", "b\\u0061lance"], any_value()),
        ];
        (proptest::collection::vec(fields, 0..9), ws(), ws())
            .prop_map(|(f, w, tail)| format!("{}{tail}", object(f, w)))
    }

    fn request_text() -> impl Strategy<Value = String> {
        let fields = prop_oneof![
            2 => field(&["id"], any_value()),
            4 => field(&["account"], document_text()),
            3 => field(&["amount", "in_flight"], int()),
            2 => field(&["currency"], pick(&["\"usd\"", "\"USD\"", "\"us\"", "null", "1", "\"u\\u0073d\""])),
            2 => field(&["now"], pick(&["1651516600", "\"1651516600\"", "\"2022-05-02T18:36:40Z\"", "\"yesterday\"", "1.5", "null", "-99999999999999999", "9223372036854775807"])),
            1 => field(&["extra"], any_value()),
        ];
        (proptest::collection::vec(fields, 0..8), ws()).prop_map(|(f, w)| object(f, w))
    }

    /// `PROPTEST_CASES` in the environment overrides the count.
    fn config() -> ProptestConfig {
        let env = std::env::var("PROPTEST_CASES").ok();
        ProptestConfig {
            cases: env.and_then(|v| v.parse().ok()).unwrap_or(4_000),
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn documents_agree_with_serde(text in document_text()) {
            agree_on_document(&text);
        }

        #[test]
        fn requests_agree_with_serde(text in request_text()) {
            agree_on_request(&text);
        }

        #[test]
        fn damaged_documents_agree_with_serde(text in document_text(), at in any::<usize>(), byte in any::<u8>()) {
            let mut bytes = text.into_bytes();
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] = byte;
            }
            if let Some(fast) = document(&bytes) {
                prop_assert_eq!(Ok(fast.into_snapshot("")), serde_document(&bytes));
            }
        }
    }

    /// The differential tests mean something only if the fast path does
    /// answer a good share of the generated documents.
    #[test]
    fn the_generators_exercise_the_fast_path() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut documents, mut requests) = (0, 0);
        for _ in 0..2_000 {
            let doc = document_text().new_tree(&mut runner).unwrap().current();
            documents += usize::from(agree_on_document(&doc));
            let req = request_text().new_tree(&mut runner).unwrap().current();
            requests += usize::from(agree_on_request(&req));
        }
        eprintln!("fast path answered {documents} documents and {requests} requests of 2000");
        assert!(
            documents > 200,
            "fast path answered {documents} of 2000 documents"
        );
        assert!(
            requests > 100,
            "fast path answered {requests} of 2000 requests"
        );
    }

    proptest! {
        #![proptest_config(config())]

        /// The word test finds the first special byte, like the byte test.
        #[test]
        fn special_finds_the_first_special_byte(bytes in proptest::array::uniform8(prop_oneof![
            any::<u8>(),
            proptest::sample::select(&b"\"\\\x00\x1f\x20\x7f\x80\xffaZ"[..]),
        ])) {
            let mask = special(u64::from_le_bytes(bytes));
            let first = bytes.iter().position(|&c| special_byte(c));
            let found = (mask != 0).then(|| (mask.trailing_zeros() / 8) as usize);
            prop_assert_eq!(found, first);
        }
    }

    #[test]
    fn the_fast_path_answers_the_shipped_examples() {
        let docs = [
            include_str!("../examples/accounts/active_cash.json"),
            include_str!("../examples/accounts/full_fields.json"),
            include_str!("../examples/accounts/stale.json"),
            include_str!("../examples/accounts/pending_refresh.json"),
            include_str!("../examples/accounts/credit_card.json"),
            include_str!("../examples/accounts/current_only.json"),
            include_str!("../examples/accounts/disconnected.json"),
            include_str!("../examples/accounts/refreshed_balance_event.json"),
            r#"{"object": "event", "data": {"object": {"status": "active"}}}"#,
            r#"{"object": "event", "type": "x", "data": {"previous_attributes": {"a": 1}, "object": null}}"#,
            r#"{"object":"financial_connections.account","status":"active","balance":{"as_of":1,"type":"cash","current":{"usd":null,"eur":5},"cash":{"available":{"usd":null}}}}"#,
        ];
        for doc in docs {
            assert!(agree_on_document(doc), "fast path gave up on {doc}");
        }
        for line in include_str!("../examples/batch/requests.jsonl").lines() {
            // Two lines are meant to be bad: a float amount, and not JSON; a
            // re-presentment is left to serde_json.
            let slow =
                line.contains("10.5") || !line.starts_with('{') || line.contains("presentment");
            assert_eq!(agree_on_request(line), !slow, "{line}");
        }
        let now_as_text = r#"{"id": 1, "account": {"status": "active"}, "amount": 5, "currency": "usd", "now": "2022-05-02T18:36:40Z"}"#;
        assert!(agree_on_request(now_as_text));
        // Zero, and the longest integers the fast path reads itself.
        let edges = r#"{"id": 0, "account": {"status": "active", "balance": {"as_of": 0, "type": "cash",
            "current": {"usd": -999999999999999999}, "cash": {"available": {"usd": 999999999999999999}}}},
            "amount": 5, "currency": "usd", "in_flight": 0}"#;
        assert!(agree_on_request(edges));
    }

    /// Both readers take O(n log n) comparisons for a balance whose maps hold
    /// `n` currencies in the worst order, and agree on it.
    #[test]
    fn reading_many_currencies_is_n_log_n_on_both_paths() {
        use crate::money::comparisons;
        use crate::money::tests::descending_map;
        let doc = |n: usize| {
            let map = descending_map(n);
            format!(
                r#"{{"status": "active", "balance": {{"as_of": 1, "type": "cash",
                "current": {map}, "cash": {{"available": {map}}}}}}}"#
            )
        };
        for fast in [true, false] {
            let cost = |n: usize| {
                let text = doc(n);
                comparisons::count(|| {
                    let snapshot = crate::stripe::parse_account_with(text.as_bytes(), fast);
                    let balance = snapshot.map(|s| s.balance);
                    assert_eq!(balance.map(|b| b.map(|b| b.current.len())), Ok(Some(n)));
                })
            };
            let (small, large) = (cost(4_000), cost(8_000));
            assert!(
                large.saturating_mul(10) <= small.saturating_mul(25),
                "fast path {fast}: 4,000 codes: {small} comparisons, 8,000: {large}"
            );
        }
        assert!(agree_on_document(&doc(17_576)));
    }

    #[test]
    fn the_fast_path_gives_up_on_what_serde_must_judge() {
        for text in [
            r#"{"status": "act\u0069ve"}"#,
            r#"{"status": "active", "status": "active"}"#,
            r#"{"status": "active", "balance": {"as_of": -0, "current": {}}}"#,
            r#"{"status": "active", "balance": {"as_of": 01, "current": {}}}"#,
            r#"{"status": "active", "balance": {"as_of": 1.0, "current": {}}}"#,
            r#"{"status": "active", "balance": {"as_of": 1, "current": {"usd": 1, "USD": 2}}}"#,
            r#"{"status": "active", "balance": {"as_of": 1, "current": {"usd": null, "usd": 2}}}"#,
            r#"{"status": "active", "balance": {"as_of": 1, "current": {"undefined": 1}}}"#,
            r#"{"status": "active", "balance": [1]}"#,
            r#"{"status": "active", "x": [1,]}"#,
            r#"{"status": "active"} x"#,
            r#"{"object": "customer", "status": "active"}"#,
            r#"{"object": "event", "data": {"object": {"object": "customer"}}}"#,
            "{\"status\": \"caf\u{e9}\"}",
            r#"["status"]"#,
        ] {
            assert!(
                document(text.as_bytes()).is_none(),
                "fast path answered {text}"
            );
        }
    }
}
