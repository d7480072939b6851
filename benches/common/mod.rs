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
    println!("| what | measured | target (README, Benchmarks) | result |");
    println!("|---|---|---|---|");
}

/// Prints one row of the result table; `pass` None means there is nothing to compare.
pub fn row(what: &str, measured: &str, target: &str, pass: Option<bool>) {
    let result = match pass {
        Some(true) => "pass",
        Some(false) => "OVER",
        None => "-",
    };
    row_result(what, measured, target, result);
}

pub fn row_result(what: &str, measured: &str, target: &str, result: &str) {
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

/// Times `f` and says whether the OS took the CPU from this thread meanwhile (its count of
/// involuntary context switches grew; Linux only, else always false). A frame that was
/// preempted measures the machine as much as the code.
pub fn timed_preempted(f: impl FnOnce()) -> (Duration, bool) {
    let before = involuntary_switches();
    let t = std::time::Instant::now();
    f();
    let elapsed = t.elapsed();
    let after = involuntary_switches();
    (elapsed, before.is_some() && after != before)
}

fn involuntary_switches() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/status").ok()?;
    text.lines().find_map(|line| {
        line.strip_prefix("nonvoluntary_ctxt_switches:")?
            .trim()
            .parse()
            .ok()
    })
}

/// Samples split by `timed_preempted`: all of them, and those that were not preempted.
#[derive(Default)]
pub struct Samples {
    pub all: Vec<Duration>,
    pub not_preempted: Vec<Duration>,
}

impl Samples {
    pub fn time(&mut self, f: impl FnOnce()) {
        let (d, preempted) = timed_preempted(f);
        self.all.push(d);
        if !preempted {
            self.not_preempted.push(d);
        }
    }

    /// "mean X, p99 Y, max Z" over all samples, plus how many were preempted and the p99 of
    /// the others.
    pub fn describe(&self) -> String {
        let all = Stats::of(&self.all);
        let preempted = self.all.len() - self.not_preempted.len();
        let mut out = format!(
            "mean {}, p99 {}, max {}",
            ms(all.mean),
            ms(all.p99),
            ms(all.max)
        );
        if preempted > 0 && !self.not_preempted.is_empty() {
            let clean = Stats::of(&self.not_preempted);
            out.push_str(&format!(
                " ({preempted} preempted; p99 of the rest {})",
                ms(clean.p99)
            ));
        }
        out
    }

    /// "pass" when `pick` of all samples is within `target`; "OVER" when it is not, even
    /// without the preempted samples; "OVER (preempted samples only)" when only the
    /// preempted ones went over.
    pub fn result(&self, target: Duration, pick: fn(&Stats) -> Duration) -> &'static str {
        if pick(&Stats::of(&self.all)) <= target {
            "pass"
        } else if !self.not_preempted.is_empty() && pick(&Stats::of(&self.not_preempted)) <= target
        {
            "OVER (preempted samples only)"
        } else {
            "OVER"
        }
    }
}
