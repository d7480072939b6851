//! Shared helpers of the benches: statistics over samples, process counters read from
//! /proc (Linux only) and the result table every bench prints.
#![allow(dead_code)]

use std::time::Duration;

/// Mean, median, 99th percentile and maximum of a set of samples.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub n: usize,
    pub mean: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Stats {
    pub fn of(samples: &[Duration]) -> Stats {
        assert!(!samples.is_empty(), "no samples");
        let mut sorted = samples.to_vec();
        sorted.sort();
        let n = sorted.len();
        let total: Duration = sorted.iter().sum();
        // nearest-rank percentile
        let rank = |p: f64| sorted[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
        Stats {
            n,
            mean: total / n as u32,
            p50: rank(0.50),
            p99: rank(0.99),
            max: sorted[n - 1],
        }
    }
}

/// A duration in milliseconds with three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// Prints the header of the result table.
pub fn table_header(title: &str) {
    println!();
    println!("## {title}");
    println!();
    println!("| what | measured | target (product.md §7) | result |");
    println!("|---|---|---|---|");
}

/// Prints one row of the result table; `pass` None means there is nothing to compare.
pub fn row(what: &str, measured: &str, target: &str, pass: Option<bool>) {
    let result = match pass {
        Some(true) => "pass",
        Some(false) => "OVER",
        None => "-",
    };
    println!("| {what} | {measured} | {target} | {result} |");
}

/// A field of /proc/self/status in kB (e.g. "VmRSS", "VmHWM"); None off Linux.
pub fn proc_status_kb(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// CPU time this process has used so far, summed over its threads, from
/// /proc/self/task/*/schedstat (nanoseconds); None off Linux. Threads that ended before
/// the call are not counted, so use it for differences over a period where the threads
/// stay the same.
pub fn process_cpu_time() -> Option<Duration> {
    let mut total = 0u64;
    for entry in std::fs::read_dir("/proc/self/task").ok()? {
        let path = entry.ok()?.path().join("schedstat");
        let text = std::fs::read_to_string(path).ok()?;
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// `cargo bench` runs a bench with `--bench`; `cargo test --all-targets` (or `--benches`)
/// runs it without, in the test profile: then it only says so and returns, instead of timing
/// unoptimized code.
pub fn benching(name: &str) -> bool {
    if std::env::args().any(|a| a == "--bench") {
        return true;
    }
    println!("{name}: not benchmarking (run with `cargo bench --bench {name}`)");
    false
}
