//! The application: state, messages, the pure `update`, commands and the key map.

pub mod commit;
mod input;
pub mod keys;
pub mod msg;
pub mod state;
pub mod update;

pub use keys::{Action, KeyChord, KeyMap};
pub use msg::{BatchOutcome, Cmd, Msg, Records};
pub use state::{
    App, Confirm, ConnState, Conversation, Focus, Overlay, PromptKind, RowResult, Session, Status,
    StatusKind, UserData, bit,
};
pub use update::update;
