//! The 64-bit standard mark: wire indices, their meaning, and the `StandardMark` string codec.
//!
//! Wire indices are zero-based (`SetMark: [0]` stars a conversation); the public docs' prose
//! counts from one ("Bit 1"). Both numbers are exposed so nobody has to guess.

use std::fmt;

/// Highest wire index of a standard mark bit.
pub const MAX_INDEX: u8 = 63;

/// A wire index 0..=63. Construct with [`BitIndex::new`]; an index outside the range is an
/// error value, never a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BitIndex(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bit index {0} is out of range: standard mark bits are numbered 0..=63 on the wire")]
pub struct BitIndexError(pub i64);

/// What a standard mark bit is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitKind {
    Favorite,
    Unread,
    Collapsed,
    Hidden,
    /// 4..=31: reserved for Chat's internal use.
    Reserved,
    /// 32..=63: free for the customer's own meaning.
    Extension,
}

impl BitIndex {
    pub fn new(index: i64) -> Result<Self, BitIndexError> {
        u8::try_from(index)
            .ok()
            .filter(|i| *i <= MAX_INDEX)
            .map(BitIndex)
            .ok_or(BitIndexError(index))
    }

    /// All 64 indices in ascending order.
    pub fn all() -> impl DoubleEndedIterator<Item = BitIndex> + ExactSizeIterator {
        (0..=MAX_INDEX).map(BitIndex)
    }

    pub fn get(self) -> u8 {
        self.0
    }

    pub fn mask(self) -> u64 {
        1u64 << self.0
    }

    /// The docs' one-based name: wire index 0 is "Bit 1".
    pub fn docs_name(self) -> String {
        format!("Bit {}", u32::from(self.0) + 1)
    }

    pub fn kind(self) -> BitKind {
        match self.0 {
            0 => BitKind::Favorite,
            1 => BitKind::Unread,
            2 => BitKind::Collapsed,
            3 => BitKind::Hidden,
            4..=31 => BitKind::Reserved,
            _ => BitKind::Extension,
        }
    }

    pub fn is_reserved(self) -> bool {
        self.kind() == BitKind::Reserved
    }

    pub fn meaning(self) -> &'static str {
        match self.kind() {
            BitKind::Favorite => "favorite (starred)",
            BitKind::Unread => "unread (important)",
            BitKind::Collapsed => "collapsed (folded)",
            BitKind::Hidden => "hidden",
            BitKind::Reserved => "reserved for Chat's internal use",
            BitKind::Extension => "extension bit for the customer",
        }
    }

    /// Short label for a grid cell of an internal bit.
    pub fn short_label(self) -> Option<&'static str> {
        match self.kind() {
            BitKind::Favorite => Some("fav"),
            BitKind::Unread => Some("unrd"),
            BitKind::Collapsed => Some("fold"),
            BitKind::Hidden => Some("hide"),
            _ => None,
        }
    }

    /// The client SDK's constant for this bit; extension bits use `1 << n`.
    pub fn sdk_constant(self) -> String {
        match self.kind() {
            BitKind::Favorite => "V2TIM_CONVERSATION_MARK_TYPE_STAR".into(),
            BitKind::Unread => "V2TIM_CONVERSATION_MARK_TYPE_UNREAD".into(),
            BitKind::Collapsed => "V2TIM_CONVERSATION_MARK_TYPE_FOLD".into(),
            BitKind::Hidden => "V2TIM_CONVERSATION_MARK_TYPE_HIDE".into(),
            BitKind::Reserved => "none (reserved)".into(),
            BitKind::Extension => format!("1 << {}", self.0),
        }
    }
}

impl fmt::Display for BitIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A 64-bit standard mark value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct MarkSet(pub u64);

impl MarkSet {
    pub const EMPTY: MarkSet = MarkSet(0);

    pub fn bits(self) -> u64 {
        self.0
    }

    pub fn contains(self, index: BitIndex) -> bool {
        self.0 & index.mask() != 0
    }

    pub fn insert(&mut self, index: BitIndex) {
        self.0 |= index.mask();
    }

    pub fn remove(&mut self, index: BitIndex) {
        self.0 &= !index.mask();
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> u32 {
        self.0.count_ones()
    }

    /// The indices that are set, ascending (the order they go into `SetMark`).
    pub fn indices(self) -> impl Iterator<Item = BitIndex> {
        BitIndex::all().filter(move |i| self.contains(*i))
    }

    /// Builds a set from wire indices, refusing any outside 0..=63.
    pub fn from_indices<I: IntoIterator<Item = i64>>(indices: I) -> Result<Self, BitIndexError> {
        let mut set = MarkSet::EMPTY;
        for i in indices {
            set.insert(BitIndex::new(i)?);
        }
        Ok(set)
    }

    pub fn hex(self) -> String {
        format!("0x{:016X}", self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StandardMarkError {
    #[error("StandardMark {value:?} has {len} digits; at most 64 are possible")]
    TooLong { value: String, len: usize },
    #[error(
        "StandardMark {value:?} has {found:?} at position {position}; only '0' and '1' are allowed"
    )]
    BadCharacter {
        value: String,
        found: char,
        position: usize,
    },
}

/// Parses the `StandardMark` string of a query response: the binary numeral of the 64-bit
/// value, most significant digit first, so the last character is index 0. `""` is zero and
/// leading zeros are accepted.
pub fn parse_standard_mark(text: &str) -> Result<MarkSet, StandardMarkError> {
    let mut value: u64 = 0;
    let mut digits = 0usize;
    for (position, c) in text.chars().enumerate() {
        let bit = match c {
            '0' => 0,
            '1' => 1,
            found => {
                return Err(StandardMarkError::BadCharacter {
                    value: text.to_owned(),
                    found,
                    position,
                });
            }
        };
        digits += 1;
        if digits > 64 {
            return Err(StandardMarkError::TooLong {
                value: text.to_owned(),
                len: text.chars().count(),
            });
        }
        value = (value << 1) | bit;
    }
    Ok(MarkSet(value))
}

/// Writes a mark as the server does: most significant digit first, no leading zeros, `""`
/// for zero.
pub fn format_standard_mark(mark: MarkSet) -> String {
    if mark.0 == 0 {
        String::new()
    } else {
        format!("{:b}", mark.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn index_range_is_checked_without_panicking() {
        assert!(BitIndex::new(0).is_ok());
        assert!(BitIndex::new(63).is_ok());
        assert_eq!(BitIndex::new(64), Err(BitIndexError(64)));
        assert_eq!(BitIndex::new(-1), Err(BitIndexError(-1)));
        assert_eq!(BitIndex::new(i64::MAX), Err(BitIndexError(i64::MAX)));
    }

    #[test]
    fn meaning_of_each_range() {
        let b = |i| BitIndex::new(i).unwrap();
        assert_eq!(b(0).docs_name(), "Bit 1");
        assert_eq!(b(0).mask(), 0x1);
        assert_eq!(b(0).sdk_constant(), "V2TIM_CONVERSATION_MARK_TYPE_STAR");
        assert_eq!(b(1).sdk_constant(), "V2TIM_CONVERSATION_MARK_TYPE_UNREAD");
        assert_eq!(b(2).sdk_constant(), "V2TIM_CONVERSATION_MARK_TYPE_FOLD");
        assert_eq!(b(3).kind(), BitKind::Hidden);
        assert_eq!(b(3).mask(), 0x8);
        assert_eq!(b(4).kind(), BitKind::Reserved);
        assert_eq!(b(31).kind(), BitKind::Reserved);
        assert_eq!(b(31).mask(), 0x8000_0000);
        assert_eq!(b(32).kind(), BitKind::Extension);
        assert_eq!(b(32).docs_name(), "Bit 33");
        assert_eq!(b(32).sdk_constant(), "1 << 32");
        assert_eq!(b(63).mask(), 1 << 63);
        assert_eq!(b(63).docs_name(), "Bit 64");
    }

    #[test]
    fn codec_examples_from_the_spec() {
        assert_eq!(parse_standard_mark("1").unwrap(), MarkSet(0b1));
        assert_eq!(parse_standard_mark("1000").unwrap(), MarkSet(0b1000));
        assert_eq!(parse_standard_mark("1110").unwrap(), MarkSet(0b1110));
        assert_eq!(parse_standard_mark("").unwrap(), MarkSet(0));
        assert_eq!(
            parse_standard_mark("011111110").unwrap(),
            MarkSet(0b11111110)
        );
        assert_eq!(
            parse_standard_mark(&"0".repeat(70)).unwrap_err(),
            StandardMarkError::TooLong {
                value: "0".repeat(70),
                len: 70
            }
        );
        // a custom mark at index 34 is a 35-digit string
        let m = MarkSet(1 << 34);
        assert_eq!(format_standard_mark(m).len(), 35);
    }

    #[test]
    fn codec_refuses_other_characters() {
        for bad in ["2", "10a", " 1", "1 ", "-1", "0x1", "１"] {
            assert!(
                matches!(
                    parse_standard_mark(bad),
                    Err(StandardMarkError::BadCharacter { .. })
                ),
                "{bad:?} must be refused"
            );
        }
        assert!(matches!(
            parse_standard_mark(&"1".repeat(65)),
            Err(StandardMarkError::TooLong { len: 65, .. })
        ));
    }

    #[test]
    fn codec_round_trips_edge_values() {
        for v in [0u64, 1, 1 << 63, u64::MAX, 0b1110, 1 << 32] {
            let s = format_standard_mark(MarkSet(v));
            assert_eq!(
                parse_standard_mark(&s).unwrap(),
                MarkSet(v),
                "{v:#x} -> {s:?}"
            );
        }
        assert_eq!(format_standard_mark(MarkSet(0)), "");
        assert_eq!(format_standard_mark(MarkSet(1)), "1");
        assert_eq!(format_standard_mark(MarkSet(u64::MAX)), "1".repeat(64));
        assert_eq!(
            format_standard_mark(MarkSet(1 << 63)),
            format!("1{}", "0".repeat(63))
        );
    }

    proptest! {
        #[test]
        fn codec_round_trips_any_value(v in any::<u64>()) {
            let s = format_standard_mark(MarkSet(v));
            prop_assert!(!s.starts_with('0'));
            prop_assert_eq!(parse_standard_mark(&s).unwrap(), MarkSet(v));
        }

        #[test]
        fn codec_accepts_leading_zeros(v in any::<u64>(), zeros in 0usize..8) {
            let s = format_standard_mark(MarkSet(v));
            let padded = format!("{}{}", "0".repeat(zeros.min(64 - s.len())), s);
            prop_assert_eq!(parse_standard_mark(&padded).unwrap(), MarkSet(v));
        }

        #[test]
        fn last_character_is_index_zero(i in 0i64..=63) {
            let idx = BitIndex::new(i).unwrap();
            let s = format_standard_mark(MarkSet(idx.mask()));
            prop_assert_eq!(s.len(), i as usize + 1);
            prop_assert!(s.starts_with('1'));
        }
    }
}
