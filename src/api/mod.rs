//! The wire: request and response types, the REST client, the error-code table, UserSig.

pub mod client;
pub mod codes;
pub mod groups;
pub mod pacer;
pub mod usersig;
pub mod wire;

pub use client::{ApiError, Auth, Client, ClientConfig, RetryPolicy, paths};
