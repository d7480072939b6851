//! The domain: marks, conversations, staged edits and batching. Pure: no I/O.

pub mod edit;
pub mod marks;
pub mod peer;

pub use edit::{
    CustomMark, CustomMarkTooLong, MAX_CUSTOM_MARK_BYTES, MAX_GROUP_CONTACT_ITEMS,
    MAX_GROUP_NAME_BYTES, MAX_GROUPS, MAX_MARK_ITEMS, MAX_MARKED_CONVERSATIONS, MAX_SEARCH_ITEMS,
    MarkChange, OptType, RATE_LIMIT_PER_SECOND, StagedEdit, batches,
};
pub use marks::{
    BitIndex, BitIndexError, BitKind, MarkSet, StandardMarkError, format_standard_mark,
    parse_standard_mark,
};
pub use peer::{IdError, Peer, parse_user, validate_id};
