//! The non-interactive commands: get, mark, groups, usersig, and what they share
//! (`connect`: config to client; `load`: a user's conversations; `output`: tables and JSON).

pub mod connect;
pub mod get;
pub mod groups;
pub mod load;
pub mod mark;
pub mod output;
pub mod serve;
pub mod usersig;
