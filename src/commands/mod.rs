//! The non-interactive commands: get, mark, groups, usersig.

pub mod get;
pub mod groups;
pub mod mark;
pub mod usersig;
