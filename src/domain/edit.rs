//! Staged edits: what the user changed but has not committed yet, and how it becomes one
//! `MarkItem` with the right `OptType` and only the changed bits.

use super::marks::{BitIndex, MarkSet};
use super::peer::Peer;

/// The most bytes a custom mark may hold (UTF-8 bytes, not characters).
pub const MAX_CUSTOM_MARK_BYTES: usize = 256;
/// The most conversations in one `mark_contact` call (51006 above that).
pub const MAX_MARK_ITEMS: usize = 100;
/// The most conversations in one `search_contact_group` call.
pub const MAX_SEARCH_ITEMS: usize = 300;
/// The most conversations in one `create_contact_group` / member update call.
pub const MAX_GROUP_CONTACT_ITEMS: usize = 100;
/// The most conversation groups one user may have (51010 above that).
pub const MAX_GROUPS: usize = 20;
/// The longest conversation-group name in bytes (51011 above that).
pub const MAX_GROUP_NAME_BYTES: usize = 32;
/// The most marked or grouped conversations per user (51008 above that).
pub const MAX_MARKED_CONVERSATIONS: usize = 1000;
/// Calls per second per app on every recentcontact endpoint (60007 above that).
pub const RATE_LIMIT_PER_SECOND: u32 = 200;

/// Which parts of a conversation's marks a `MarkItem` touches.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde_repr::Serialize_repr,
    serde_repr::Deserialize_repr,
)]
#[repr(u8)]
pub enum OptType {
    /// Standard mark bits only.
    Standard = 1,
    /// Custom mark only.
    Custom = 2,
    /// Both.
    Both = 3,
}

/// A custom mark that fits the 256-byte limit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CustomMark(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the custom mark is {bytes} bytes of UTF-8; at most {MAX_CUSTOM_MARK_BYTES} are allowed ({over} too many)", over = .bytes - MAX_CUSTOM_MARK_BYTES)]
pub struct CustomMarkTooLong {
    pub bytes: usize,
}

impl CustomMark {
    pub fn new(text: impl Into<String>) -> Result<Self, CustomMarkTooLong> {
        let text = text.into();
        if text.len() > MAX_CUSTOM_MARK_BYTES {
            return Err(CustomMarkTooLong { bytes: text.len() });
        }
        Ok(CustomMark(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The staged change of one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StagedEdit {
    /// Bits to set (they are off on the server, as last read).
    pub set: MarkSet,
    /// Bits to clear (they are on on the server, as last read).
    pub clear: MarkSet,
    /// The new custom mark; `Some("")` clears it.
    pub custom: Option<CustomMark>,
}

impl StagedEdit {
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.clear.is_empty() && self.custom.is_none()
    }

    /// Flips one bit against the server's value `current`. Toggling a staged bit again
    /// unstages it, so only bits that really change are ever sent.
    pub fn toggle(&mut self, index: BitIndex, current: MarkSet) {
        if self.set.contains(index) {
            self.set.remove(index);
        } else if self.clear.contains(index) {
            self.clear.remove(index);
        } else if current.contains(index) {
            self.clear.insert(index);
        } else {
            self.set.insert(index);
        }
    }

    /// Stages a bit to a wanted value (bulk edits); a no-op when the server already has it.
    pub fn want_bit(&mut self, index: BitIndex, on: bool, current: MarkSet) {
        self.set.remove(index);
        self.clear.remove(index);
        match (on, current.contains(index)) {
            (true, false) => self.set.insert(index),
            (false, true) => self.clear.insert(index),
            _ => {}
        }
    }

    /// Stages a new custom mark; staging the value the server already holds unstages it.
    pub fn set_custom(&mut self, mark: CustomMark, current: &str) {
        self.custom = (mark.as_str() != current).then_some(mark);
    }

    /// Drops staged bits that the server now already has (after a read-back).
    pub fn rebase(&mut self, current: MarkSet, current_custom: &str) {
        self.set = MarkSet(self.set.0 & !current.0);
        self.clear = MarkSet(self.clear.0 & current.0);
        if self
            .custom
            .as_ref()
            .is_some_and(|c| c.as_str() == current_custom)
        {
            self.custom = None;
        }
    }

    /// The value the conversation will have once this edit is applied to `current`.
    pub fn apply(&self, current: MarkSet) -> MarkSet {
        MarkSet((current.0 & !self.clear.0) | self.set.0)
    }

    /// Which `OptType` the `MarkItem` needs, or `None` when nothing is staged.
    pub fn opt_type(&self) -> Option<OptType> {
        let bits = !(self.set.is_empty() && self.clear.is_empty());
        match (bits, self.custom.is_some()) {
            (true, true) => Some(OptType::Both),
            (true, false) => Some(OptType::Standard),
            (false, true) => Some(OptType::Custom),
            (false, false) => None,
        }
    }
}

/// One conversation's staged edit, ready to become a `MarkItem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkChange {
    pub peer: Peer,
    pub edit: StagedEdit,
}

/// Splits work into calls of at most `max` items (100 for `mark_contact`, 300 for search).
pub fn batches<T>(items: &[T], max: usize) -> impl Iterator<Item = &[T]> {
    items.chunks(max.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(i: i64) -> BitIndex {
        BitIndex::new(i).unwrap()
    }

    #[test]
    fn toggle_stages_only_changes_and_toggling_back_unstages() {
        let current = MarkSet(0b10); // unread on
        let mut e = StagedEdit::default();
        e.toggle(b(0), current);
        e.toggle(b(1), current);
        assert_eq!(e.set, MarkSet(0b01));
        assert_eq!(e.clear, MarkSet(0b10));
        assert_eq!(e.apply(current), MarkSet(0b01));
        e.toggle(b(0), current);
        e.toggle(b(1), current);
        assert!(e.is_empty());
        assert_eq!(e.opt_type(), None);
    }

    #[test]
    fn opt_type_follows_what_changed() {
        let mut e = StagedEdit::default();
        e.toggle(b(40), MarkSet::EMPTY);
        assert_eq!(e.opt_type(), Some(OptType::Standard));
        e.set_custom(CustomMark::new("vip").unwrap(), "");
        assert_eq!(e.opt_type(), Some(OptType::Both));
        e.toggle(b(40), MarkSet::EMPTY);
        assert_eq!(e.opt_type(), Some(OptType::Custom));
        e.set_custom(CustomMark::new("same").unwrap(), "same");
        assert_eq!(e.opt_type(), None);
    }

    #[test]
    fn custom_mark_limit_counts_utf8_bytes() {
        assert!(CustomMark::new("a".repeat(256)).is_ok());
        assert_eq!(
            CustomMark::new("a".repeat(257)).unwrap_err(),
            CustomMarkTooLong { bytes: 257 }
        );
        // 86 three-byte characters are 258 bytes although only 86 characters
        let err = CustomMark::new("星".repeat(86)).unwrap_err();
        assert_eq!(err.bytes, 258);
        assert!(err.to_string().contains("258 bytes"), "{err}");
        assert!(CustomMark::new("").is_ok());
    }

    #[test]
    fn rebase_drops_what_the_server_already_has() {
        let mut e = StagedEdit::default();
        e.toggle(b(0), MarkSet::EMPTY);
        e.toggle(b(5), MarkSet(1 << 5));
        e.rebase(MarkSet(0b1), "");
        assert!(e.set.is_empty());
        assert_eq!(e.clear, MarkSet::EMPTY);
    }

    #[test]
    fn batches_hold_at_most_the_limit() {
        let items: Vec<u32> = (0..250).collect();
        let sizes: Vec<usize> = batches(&items, MAX_MARK_ITEMS).map(<[u32]>::len).collect();
        assert_eq!(sizes, vec![100, 100, 50]);
        assert_eq!(batches(&items[..0], MAX_MARK_ITEMS).count(), 0);
        let sizes: Vec<usize> = batches(&items, MAX_SEARCH_ITEMS)
            .map(<[u32]>::len)
            .collect();
        assert_eq!(sizes, vec![250]);
    }
}
