//! A schema-free JSON lexer for the fast readers (Stripe documents, batch
//! request lines): it reads values off a byte slice and knows no field names.
//!
//! serde_json is the reference reader: it defines what is accepted, and every
//! error message and JSON path comes from it. The fast readers built on this
//! lexer are an optimisation in front of it, for the batch hot path: plain
//! documents (no escapes, integers only, nesting under [`MAX_DEPTH`]) are
//! read straight into the same wire structs, without serde's per-field
//! machinery. Text in any language reads as fast as ASCII: a string holding
//! bytes above 0x7f is checked as UTF-8 once, in the same pass.
//!
//! The rule that keeps them honest: **a fast reader either produces exactly
//! what serde_json would, or gives up** (`None`), and the caller then runs
//! serde_json. The lexer gives up on anything unusual: a backslash, a
//! string that is not UTF-8, a control character, a fraction, exponent or number out
//! of `i64` range where it reads an integer (it skips any valid number in a
//! value it skips), nesting deeper than [`MAX_DEPTH`], trailing characters;
//! the readers give up on a value of an unexpected type, a duplicate field
//! they read ([`Seen`]), an invalid currency key. Differential tests
//! (`batch::fast`) run both readers on generated and damaged documents and
//! check that whenever the fast one answers, the answers agree; the fuzz
//! targets do the same.

/// Deeper documents are left to serde_json (whose own limit is 128).
pub(crate) const MAX_DEPTH: u32 = 64;

/// Which of a struct's fields were read already: a second one is a serde
/// "duplicate field" error, so the fast path gives up.
#[derive(Default)]
pub(crate) struct Seen(u16);

/// Declares the fields a fast reader reads, one [`Seen`] bit each (at most
/// sixteen): `fields!(BalanceField { AsOf, Type })`.
macro_rules! fields {
    ($name:ident { $($field:ident),+ $(,)? }) => {
        #[derive(Clone, Copy)]
        enum $name {
            $($field),+
        }
        impl From<$name> for u8 {
            fn from(field: $name) -> u8 {
                field as u8
            }
        }
    };
}
pub(crate) use fields;

impl Seen {
    /// Records `field`; `None` when it was read already.
    pub(crate) fn first(&mut self, field: impl Into<u8>) -> Option<()> {
        let bit = 1_u16.checked_shl(u32::from(field.into()))?;
        if self.0 & bit != 0 {
            return None;
        }
        self.0 |= bit;
        Some(())
    }
}

/// Marks (with its high bit) each of the eight bytes packed little-endian in
/// `word` that is a quote, a backslash or a control character (below 0x20),
/// by the classic SWAR tests (`has_zero(v) = (v − 0x01…) & !v & 0x80…`), and
/// also each byte above 0x7f when `ascii` is set. Higher marks may be
/// spurious, but the lowest one is always exact: a borrow only travels
/// upwards from a byte that is itself marked, and a byte above 0x7f is never
/// marked by the tests (`!v` clears it).
fn special(word: u64, ascii: bool) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = 0x2222_2222_2222_2222;
    const BACKSLASHES: u64 = 0x5c5c_5c5c_5c5c_5c5c;
    const SPACES: u64 = 0x2020_2020_2020_2020;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let high = if ascii { word & HIGHS } else { 0 };
    high | zero(word ^ QUOTES)
        | zero(word ^ BACKSLASHES)
        | (word.wrapping_sub(SPACES) & !word & HIGHS)
}

/// The one-byte version of [`special`].
fn special_byte(c: u8, ascii: bool) -> bool {
    matches!(c, b'"' | b'\\' | 0..0x20) || (ascii && c >= 0x80)
}

/// A cursor over one JSON text.
pub(crate) struct Lexer<'a> {
    b: &'a [u8],
    i: usize,
    depth: u32,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Lexer {
            b: bytes,
            i: 0,
            depth: 0,
        }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    pub(crate) fn bump(&mut self) {
        self.i = self.i.saturating_add(1);
    }

    pub(crate) fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    /// Skips whitespace and consumes `c`, or gives up.
    pub(crate) fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.bump())
    }

    /// Only whitespace may follow the document.
    pub(crate) fn end(&mut self) -> Option<()> {
        self.ws();
        (self.i == self.b.len()).then_some(())
    }

    /// A string without escapes or control characters; its content, which
    /// is UTF-8 (checked once, and only when a byte is above 0x7f).
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let rest = self.b.get(self.i..)?;
        // Eight bytes at a time: the lowest special byte ends the string if
        // it is the closing quote, and makes the fast path give up if it is a
        // backslash or a control character. A byte above 0x7f hands the rest
        // of the string to `non_ascii`, out of this loop.
        let mut len: usize = 0;
        let end = loop {
            let Some(chunk) = rest.get(len..len.checked_add(8)?) else {
                // Fewer than eight bytes left in the input: byte by byte.
                let tail = rest.get(len..)?;
                let at = tail.iter().position(|&c| special_byte(c, true))?;
                break len.checked_add(at)?;
            };
            let mask = special(u64::from_le_bytes(chunk.try_into().ok()?), true);
            if mask != 0 {
                break len.checked_add(usize::try_from(mask.trailing_zeros() / 8).ok()?)?;
            }
            len = len.checked_add(8)?;
        };
        let end = match *rest.get(end)? {
            b'"' => end,
            0x80.. => Self::non_ascii(rest, end)?,
            _ => return None,
        };
        self.i = self.i.checked_add(end)?.checked_add(1)?;
        rest.get(..end)
    }

    /// The end of a string (`rest` starts after its opening quote) whose
    /// byte at `from` is above 0x7f: the scan goes on for the quote, a
    /// backslash or a control character only, and the string is then
    /// checked as UTF-8. serde_json refuses a string it reads that is not
    /// UTF-8 (and skips one it ignores unchecked): either way, not for
    /// this path. Its loop is `string`'s without the test for high bytes:
    /// one generic loop for both cost ASCII lines 0.8 % more
    /// instructions (callgrind, 20,000 Stripe lines), so the two stay apart.
    #[inline(never)]
    fn non_ascii(rest: &[u8], from: usize) -> Option<usize> {
        let mut len = from;
        let end = loop {
            let Some(chunk) = rest.get(len..len.checked_add(8)?) else {
                let tail = rest.get(len..)?;
                let at = tail.iter().position(|&c| special_byte(c, false))?;
                break len.checked_add(at)?;
            };
            let mask = special(u64::from_le_bytes(chunk.try_into().ok()?), false);
            if mask != 0 {
                break len.checked_add(usize::try_from(mask.trailing_zeros() / 8).ok()?)?;
            }
            len = len.checked_add(8)?;
        };
        if *rest.get(end)? != b'"' {
            return None;
        }
        std::str::from_utf8(rest.get(..end)?).ok()?;
        Some(end)
    }

    /// A string's content as text (UTF-8, checked by [`Lexer::string`]).
    pub(crate) fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.string()?).ok()
    }

    pub(crate) fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i.checked_add(word.len())?;
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// A JSON integer in i64 range, as serde_json reads it: no fraction, no
    /// exponent, no leading zero, and not `-0` (which serde_json reads as a
    /// float).
    pub(crate) fn int(&mut self) -> Option<i64> {
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
    pub(crate) fn nullable<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<Option<T>> {
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
    pub(crate) fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, &'a [u8]) -> Option<()>,
    ) -> Option<()> {
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
    pub(crate) fn skip_value(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'{' => self.object(|s, _| s.skip_value()),
            b'[' => self.array(Lexer::skip_value),
            b'"' => self.string().map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.skip_number(),
        }
    }

    /// Skips a number of any JSON form (fraction, exponent, any size), as
    /// serde_json skips an ignored one: by its grammar alone.
    fn skip_number(&mut self) -> Option<()> {
        if self.peek()? == b'-' {
            self.bump();
        }
        match self.peek()? {
            b'0' => self.bump(),
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.bump();
            self.some_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.bump();
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.bump();
            }
            self.some_digits()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
    }

    /// At least one digit.
    fn some_digits(&mut self) -> Option<()> {
        self.peek().filter(u8::is_ascii_digit)?;
        self.digits();
        Some(())
    }

    /// Where the lexer is, to come back to with [`Lexer::rewind`].
    pub(crate) fn mark(&self) -> (usize, u32) {
        (self.i, self.depth)
    }

    /// The text from a [`Lexer::mark`] to here.
    pub(crate) fn since(&self, (start, _): (usize, u32)) -> Option<&'a [u8]> {
        self.b.get(start..self.i)
    }

    /// Goes back to a [`Lexer::mark`].
    pub(crate) fn rewind(&mut self, (i, depth): (usize, u32)) {
        self.i = i;
        self.depth = depth;
    }

    pub(crate) fn boolean(&mut self) -> Option<bool> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|()| true),
            b'f' => self.literal(b"false").map(|()| false),
            _ => None,
        }
    }

    /// An array: calls `element`, positioned at each element, which it must
    /// consume.
    pub(crate) fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
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

    /// Skips any value and returns its raw text.
    pub(crate) fn raw_value(&mut self) -> Option<&'a [u8]> {
        self.ws();
        let start = self.i;
        self.skip_value()?;
        self.b.get(start..self.i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The word test finds the first special byte, like the byte test.
        #[test]
        fn special_finds_the_first_special_byte(bytes in proptest::array::uniform8(prop_oneof![
            any::<u8>(),
            proptest::sample::select(&b"\"\\\x00\x1f\x20\x7f\x80\xffaZ"[..]),
        ])) {
            for ascii in [true, false] {
                let mask = special(u64::from_le_bytes(bytes), ascii);
                let first = bytes.iter().position(|&c| special_byte(c, ascii));
                let found = (mask != 0).then(|| (mask.trailing_zeros() / 8) as usize);
                prop_assert_eq!(found, first);
            }
        }
    }
}
