//! Resident memory with 100,000 conversations loaded in the app state (the README's
//! Benchmarks: at most 100 MB). Its own process, so nothing else the benches do is counted. Linux
//! only (reads /proc/self/status); prints "n/a" elsewhere.
//!
//! Run with `cargo bench --bench memory`.

#![allow(clippy::unwrap_used)]

#[path = "../tests/tui_support/mod.rs"]
mod tui_support;

mod common;

use common::{proc_status_kb, row, table_header};
use convmark::app::{Msg, update};

const TARGET_MB: f64 = 100.0;

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

fn main() {
    if !common::benching("memory") {
        return;
    }
    table_header("Memory");
    let before = proc_status_kb("VmRSS");
    // the same data the other benches load: get_list items and get_contact_group records,
    // handed to `update` as the runtime does after a load
    let mut app = tui_support::loaded_app(100_000);
    update(
        &mut app,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );
    let loaded = app.conversations.len();
    let after = proc_status_kb("VmRSS");
    let peak = proc_status_kb("VmHWM");
    match (before, after, peak) {
        (Some(before), Some(after), Some(peak)) => {
            row(
                "resident memory before loading (process)",
                &mb(before),
                "-",
                None,
            );
            row(
                &format!("resident memory with {loaded} conversations loaded (process, VmRSS)"),
                &mb(after),
                &format!("≤ {TARGET_MB:.0} MB"),
                Some(after as f64 / 1024.0 <= TARGET_MB),
            );
            row(
                "growth from loading (VmRSS after − before)",
                &mb(after.saturating_sub(before)),
                "-",
                None,
            );
            row(
                "peak resident memory while loading (VmHWM)",
                &mb(peak),
                "-",
                None,
            );
        }
        _ => row(
            "resident memory with 100,000 conversations loaded",
            "n/a (no /proc/self/status)",
            &format!("≤ {TARGET_MB:.0} MB"),
            None,
        ),
    }
    println!();
    println!(
        "VmRSS counts the whole process: the load's input (get_list items and records), freed \
         after the load but possibly kept by the allocator, is included, so this is an upper \
         bound of the app state."
    );
    // keep the state alive until it has been measured
    assert_eq!(app.visible.len(), loaded);
    drop(app);
}
