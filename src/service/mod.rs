//! The service layer between `api/` and the front ends: the TUI and the CLI both load,
//! plan, commit, change groups and read back through here, once. The front ends parse and
//! print (the CLI) or hold state and draw (the TUI); the runtime only spawns these.
//!
//! - `user`: a conversation as the server holds it, and the one merge rule of the lists;
//! - `load`: paging (always ending), streaming pages, search;
//! - `plan`: what is wanted against what is held, the minimal calls, the 1,000 limit;
//! - `commit`: sending planned changes (concurrent, paced, cancellable), audited;
//! - `groups`: group operations, with the truth re-read after a lost answer;
//! - `outcome`: the one result type of a conversation in a call;
//! - `document`: the marks document of export, diff and apply (pure);
//! - `apply`: a document or an undo planned against a fresh read, in words, and sent.

pub mod apply;
pub mod commit;
pub mod document;
pub mod groups;
pub mod json;
pub mod load;
pub mod outcome;
pub mod plan;
pub mod undo;
pub mod user;

pub use outcome::ItemOutcome;
