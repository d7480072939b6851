//! The non-interactive commands: get, mark, groups, export, diff, apply, undo, usersig,
//! config, man and completions, and what they share (`connect`: config to client; `load`:
//! a user's conversations; `output`: tables, JSON and the writers that never panic).

pub mod apply;
pub mod config;
pub mod connect;
pub mod diff;
pub mod export;
pub mod get;
pub mod groups;
pub mod man;
pub mod mark;
pub mod output;
pub mod serve;
pub mod undo;
pub mod usersig;
