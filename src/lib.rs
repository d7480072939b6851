//! convmark: inspect and edit Tencent Cloud Chat conversation marks and groups.
//!
//! The data flows one way: `domain` (pure rules) <- `api` (wire, client) <- `app` (state,
//! update) <- `ui` (render), driven by `runtime`; `emulator` is the local server, sharing
//! only `api` wire types and `domain` rules with the client.

pub mod api;
pub mod app;
pub mod atomic_file;
pub mod audit;
pub mod cli;
pub mod commands;
pub mod config;
pub mod domain;
pub mod emulator;
pub mod journal;
pub mod runtime;
pub mod terminal;
pub mod tui;
pub mod ui;
