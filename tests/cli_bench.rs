//! Timing of a bulk `convmark mark` (the README's Benchmarks: 1,000 conversations cost about
//! one round trip plus pacing, not one round trip per batch). Prints numbers, asserts only
//! correctness. Run with `cargo test --release --test cli_bench -- --ignored --nocapture`.

#![allow(clippy::unwrap_used)]

mod cli_support;

use std::time::{Duration, Instant};

use cli_support::World;
use convmark::api::wire::AccountImportRequest;
use convmark::emulator::{EmulatorConfig, Seed};

#[test]
#[ignore = "timing: run with --ignored --nocapture"]
fn bulk_mark_of_1000_conversations_costs_about_one_round_trip_plus_pacing() {
    let latency = Duration::from_millis(100);
    let world = World::with_emulator(EmulatorConfig {
        seed: Seed::Demo { conversations: 10 },
        latency,
        ..Default::default()
    });
    let client = world.client();
    world.rt.block_on(async {
        client
            .account_import(&AccountImportRequest {
                user_id: "bulk".into(),
                nick: None,
                face_url: None,
            })
            .await
            .unwrap();
    });
    let text: String = (0..1000)
        .map(|i| format!("group_@TGS#BENCH{i:04}\n"))
        .collect();
    let file = world.file("bench.txt", &text);
    let start = Instant::now();
    let (run, json) = world.run_json(&[
        "mark",
        "--user",
        "bulk",
        "--from",
        file.to_str().unwrap(),
        "--set",
        "32",
    ]);
    let elapsed = start.elapsed();
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(json["succeeded"], 1000);
    assert_eq!(json["calls"], 10);
    let sequential = latency * (10 + 4);
    println!(
        "mark 1,000 conversations (10 mark_contact + 4 search calls) with {} ms latency per call: {:.0} ms (one call after another would take at least {} ms)",
        latency.as_millis(),
        elapsed.as_secs_f64() * 1000.0,
        sequential.as_millis()
    );
}
