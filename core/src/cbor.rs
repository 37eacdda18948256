//! A strict reader over `minicbor::Decoder`: definite lengths only, shortest-form heads only
//! (RFC 8949 section 4.2.1), and every decoder error mapped to a sealkit [`Error`].

use minicbor::data::Type;
use minicbor::Decoder;

use crate::Error;

/// Wraps a decoder over the whole envelope and checks each head it reads.
pub(crate) struct Reader<'b> {
    d: Decoder<'b>,
}

/// The additional-information value a shortest-form head for `arg` must use.
const fn shortest_info(arg: u64) -> u8 {
    if arg < 24 {
        arg as u8
    } else if arg <= 0xff {
        24
    } else if arg <= 0xffff {
        25
    } else if arg <= 0xffff_ffff {
        26
    } else {
        27
    }
}

fn map_err(e: &minicbor::decode::Error) -> Error {
    if e.is_end_of_input() {
        Error::EnvelopeTruncated
    } else {
        Error::BadFieldType
    }
}

impl<'b> Reader<'b> {
    pub(crate) fn new(input: &'b [u8]) -> Self {
        Reader {
            d: Decoder::new(input),
        }
    }

    pub(crate) fn position(&self) -> usize {
        self.d.position()
    }

    pub(crate) fn is_at_end(&self) -> bool {
        self.d.position() >= self.d.input().len()
    }

    /// The bytes from `start` to the current position.
    pub(crate) fn since(&self, start: usize) -> &'b [u8] {
        self.d
            .input()
            .get(start..self.d.position())
            .unwrap_or_default()
    }

    /// The type of the next item, with indefinite lengths and truncation reported as such.
    pub(crate) fn peek(&self) -> Result<Type, Error> {
        match self.d.datatype() {
            Ok(Type::ArrayIndef | Type::MapIndef | Type::BytesIndef | Type::StringIndef) => {
                Err(Error::IndefiniteLength)
            }
            Ok(Type::Break) => Err(Error::IndefiniteLength),
            Ok(t) => Ok(t),
            Err(e) => Err(map_err(&e)),
        }
    }

    /// Fails with [`Error::EnvelopeTruncated`] if the string whose head is next announces more
    /// bytes than the input has left. Checked here, before minicbor converts the length to
    /// `usize`, so that 32-bit and 64-bit targets report the same code for huge lengths.
    fn check_string_fits(&self) -> Result<(), Error> {
        let input = self.d.input();
        let start = self.position();
        let initial = input.get(start).copied().ok_or(Error::EnvelopeTruncated)?;
        let (arg, head_len): (u64, usize) = match initial & 0x1f {
            n @ 0..=23 => (u64::from(n), 1),
            info @ 24..=27 => {
                let width = 1usize << (info - 24);
                let bytes = input
                    .get(start + 1..start + 1 + width)
                    .ok_or(Error::EnvelopeTruncated)?;
                let arg = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
                (arg, 1 + width)
            }
            // Indefinite or reserved: left to the caller's type checks.
            _ => return Ok(()),
        };
        let left = input.len().saturating_sub(start + head_len) as u64;
        if arg > left {
            Err(Error::EnvelopeTruncated)
        } else {
            Ok(())
        }
    }

    /// Checks that the head starting at `start` is in shortest form for `arg`.
    fn check_head(&self, start: usize, arg: u64) -> Result<(), Error> {
        let initial = self
            .d
            .input()
            .get(start)
            .copied()
            .ok_or(Error::EnvelopeTruncated)?;
        if initial & 0x1f == shortest_info(arg) {
            Ok(())
        } else {
            Err(Error::NonCanonicalEncoding)
        }
    }

    fn expect(&self, want: &[Type], wrong: Error) -> Result<(), Error> {
        let t = self.peek()?;
        if want.contains(&t) {
            Ok(())
        } else {
            Err(wrong)
        }
    }

    /// A tag number.
    pub(crate) fn tag(&mut self, wrong: Error) -> Result<u64, Error> {
        self.expect(&[Type::Tag], wrong)?;
        let start = self.position();
        let t = self.d.tag().map_err(|e| map_err(&e))?.as_u64();
        self.check_head(start, t)?;
        Ok(t)
    }

    /// A definite array's length.
    pub(crate) fn array(&mut self, wrong: Error) -> Result<u64, Error> {
        self.expect(&[Type::Array], wrong)?;
        let start = self.position();
        let n = self
            .d
            .array()
            .map_err(|e| map_err(&e))?
            .ok_or(Error::IndefiniteLength)?;
        self.check_head(start, n)?;
        Ok(n)
    }

    /// A definite map's number of entries.
    pub(crate) fn map(&mut self, wrong: Error) -> Result<u64, Error> {
        self.expect(&[Type::Map], wrong)?;
        let start = self.position();
        let n = self
            .d
            .map()
            .map_err(|e| map_err(&e))?
            .ok_or(Error::IndefiniteLength)?;
        self.check_head(start, n)?;
        Ok(n)
    }

    /// A definite byte string.
    pub(crate) fn bytes(&mut self, wrong: Error) -> Result<&'b [u8], Error> {
        self.expect(&[Type::Bytes], wrong)?;
        self.check_string_fits()?;
        let start = self.position();
        let b = self.d.bytes().map_err(|e| map_err(&e))?;
        self.check_head(start, b.len() as u64)?;
        Ok(b)
    }

    /// A definite UTF-8 text string.
    pub(crate) fn text(&mut self, wrong: Error) -> Result<&'b str, Error> {
        self.expect(&[Type::String], wrong)?;
        self.check_string_fits()?;
        let start = self.position();
        let s = self.d.str().map_err(|e| map_err(&e))?;
        self.check_head(start, s.len() as u64)?;
        Ok(s)
    }

    /// An unsigned integer (major type 0).
    pub(crate) fn uint(&mut self, wrong: Error) -> Result<u64, Error> {
        self.expect(&[Type::U8, Type::U16, Type::U32, Type::U64], wrong)?;
        let start = self.position();
        let v = self.d.u64().map_err(|e| map_err(&e))?;
        self.check_head(start, v)?;
        Ok(v)
    }

    /// An integer of major type 0 or 1 that fits an `i64` (labels, algorithm ids).
    pub(crate) fn int(&mut self, wrong: Error) -> Result<i64, Error> {
        self.expect(
            &[
                Type::U8,
                Type::U16,
                Type::U32,
                Type::U64,
                Type::I8,
                Type::I16,
                Type::I32,
                Type::I64,
                Type::Int,
            ],
            wrong,
        )?;
        let start = self.position();
        let v = self.d.int().map_err(|e| map_err(&e))?;
        let v = i64::try_from(v).map_err(|_| wrong)?;
        let arg = if v < 0 { (-1 - v) as u64 } else { v as u64 };
        self.check_head(start, arg)?;
        Ok(v)
    }

    /// Skips one whole item of any type. Lenient about encoding: the caller re-parses what it
    /// skipped strictly. Nesting is bounded by minicbor's own limit, so hostile depth cannot
    /// exhaust the stack.
    pub(crate) fn skip(&mut self) -> Result<(), Error> {
        self.d.skip().map_err(|e| map_err(&e))
    }

    /// A boolean.
    pub(crate) fn bool(&mut self, wrong: Error) -> Result<bool, Error> {
        self.expect(&[Type::Bool], wrong)?;
        self.d.bool().map_err(|e| map_err(&e))
    }

    /// Whether the next item is `null` (consumed if so).
    pub(crate) fn null(&mut self) -> Result<bool, Error> {
        if self.peek()? == Type::Null {
            self.d.null().map_err(|e| map_err(&e))?;
            Ok(true)
        } else {
            Ok(false)
        }
    }
}

/// Tracks map keys so that each must be strictly greater, bytewise, than the one before:
/// that is both the deterministic order of RFC 8949 section 4.2.1 and a duplicate check.
pub(crate) struct KeyOrder<'b> {
    last: Option<&'b [u8]>,
}

impl<'b> KeyOrder<'b> {
    pub(crate) const fn new() -> Self {
        KeyOrder { last: None }
    }

    /// `key` is the encoded bytes of the key just read.
    pub(crate) fn next(&mut self, key: &'b [u8]) -> Result<(), Error> {
        if let Some(prev) = self.last {
            match key.cmp(prev) {
                core::cmp::Ordering::Equal => return Err(Error::DuplicateLabel),
                core::cmp::Ordering::Less => return Err(Error::NonCanonicalEncoding),
                core::cmp::Ordering::Greater => {}
            }
        }
        self.last = Some(key);
        Ok(())
    }
}
