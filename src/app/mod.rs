//! The application: state, messages, the pure `update`, commands and the key map.

pub mod commit;
pub mod groups;
mod input;
mod journal;
pub mod keys;
pub mod msg;
pub mod state;
pub mod update;

pub use keys::{Action, KeyChord, KeyMap};
pub use msg::{BatchOutcome, Cmd, GroupAnswer, GroupOp, JournalFound, Msg, Records};
pub use state::{
    App, CommitProgress, Confirm, ConnState, Conversation, Focus, GroupsPopup, Overlay, PromptKind,
    RowResult, Session, Status, StatusKind, UserData, bit,
};
pub use update::update;
