//! The non-interactive commands: get, mark, groups, usersig.

pub mod usersig;
