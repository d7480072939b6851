//! The wire: request and response types, the REST client, the error-code table, UserSig.

pub mod client;
pub mod codes;
pub mod endpoint;
pub mod error;
pub mod groups;
pub mod pacer;
pub mod redact;
pub mod usersig;
pub mod wire;

pub use client::{
    Auth, Client, ClientConfig, Idempotency, RetryNotice, RetryObserver, RetryPolicy, paths, tagged,
};
pub use error::ApiError;
