//! convmark: inspect and edit Tencent Cloud Chat conversation marks and groups.
//!
//! The data flows one way: `domain` (pure rules) <- `api` (wire, client) <- `service`
//! (load, plan, commit, groups: shared by both front ends) <- `app` (state, update) and
//! `commands` (the CLI) <- `ui` (render), driven by `runtime`; `emulator` is the local
//! server, sharing only `api` wire types and `domain` rules with the client.

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
pub mod layout;
pub mod runtime;
pub mod service;
pub mod stderr;
pub mod terminal;
pub mod text;
pub mod time;
pub mod tui;
pub mod ui;
