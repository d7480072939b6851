//! The application: state, messages, the pure `update`, commands and the key map.

pub mod commit;
pub mod filter;
pub mod groups;
pub mod help;
pub mod hints;
mod history;
mod input;
mod journal;
pub mod keys;
mod loading;
pub mod mode;
pub mod msg;
pub mod requests;
pub mod staged;
pub mod state;
pub mod update;

pub use keys::{Action, KeyChord, KeyMap, Scope};
pub use mode::{Confirm, GroupsPopup, HistoryEntry, Mode, Overlay, PromptKind};
pub use msg::{Cmd, JournalFound, Msg, Records};
pub use requests::{Registry, Request, RequestId, RequestKind};
pub use state::{
    App, Clock, CommitProgress, ConnState, Focus, LogEntry, Row, Session, Status, StatusKind, bit,
};
pub use update::update;
