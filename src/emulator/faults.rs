//! Injected faults (`--fault-rate`, `--fault-seed`) and the per-app rate limit.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How long a "slow answer" fault waits before answering 50005.
pub const SLOW_ANSWER: Duration = Duration::from_secs(3);

/// One injected fault. A faulted call changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Top-level 50004 (internal server error).
    Internal,
    /// Top-level 50005 (network timeout).
    Timeout,
    /// HTTP 502 from a "gateway".
    BadGateway,
    /// The connection is dropped in the middle of the answer.
    Drop,
    /// A few seconds of silence, then 50005.
    Slow,
}

const KINDS: [Fault; 5] = [
    Fault::Internal,
    Fault::Timeout,
    Fault::BadGateway,
    Fault::Drop,
    Fault::Slow,
];

/// A reproducible sequence of faults: the same seed gives the same sequence of decisions.
#[derive(Debug)]
pub struct Faults {
    rate: f64,
    rng: Mutex<StdRng>,
}

impl Faults {
    pub fn new(rate: f64, seed: u64) -> Self {
        Faults {
            rate: if rate.is_finite() {
                rate.clamp(0.0, 1.0)
            } else {
                0.0
            },
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// The fault for the next call, if any.
    pub fn next(&self) -> Option<Fault> {
        if self.rate <= 0.0 {
            return None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        if rng.random::<f64>() < self.rate {
            Some(KINDS[rng.random_range(0..KINDS.len())])
        } else {
            None
        }
    }
}

/// Fixed one-second windows: more than `limit` calls in one window get 60007.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    start: Instant,
    window: Mutex<(u64, u32)>,
}

impl RateLimiter {
    pub fn new(limit: u32) -> Self {
        RateLimiter {
            limit,
            start: Instant::now(),
            window: Mutex::new((0, 0)),
        }
    }

    /// Counts one call; false when the window is already full. A limit of 0 is no limit,
    /// as for the client's pacer.
    pub fn allow(&self) -> bool {
        if self.limit == 0 {
            return true;
        }
        let second = self.start.elapsed().as_secs();
        let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        if window.0 != second {
            *window = (second, 0);
        }
        window.1 = window.1.saturating_add(1);
        window.1 <= self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_faults_and_rate_zero_never_faults() {
        let a = Faults::new(0.5, 7);
        let b = Faults::new(0.5, 7);
        let seq_a: Vec<_> = (0..200).map(|_| a.next()).collect();
        let seq_b: Vec<_> = (0..200).map(|_| b.next()).collect();
        assert_eq!(seq_a, seq_b);
        for kind in KINDS {
            assert!(seq_a.contains(&Some(kind)), "{kind:?} never drawn");
        }
        assert!(seq_a.contains(&None));
        let none = Faults::new(0.0, 7);
        assert!((0..100).all(|_| none.next().is_none()));
        let all = Faults::new(1.0, 1);
        assert!((0..100).all(|_| all.next().is_some()));
    }

    #[test]
    fn limiter_counts_within_a_window() {
        let l = RateLimiter::new(3);
        let allowed = (0..5).filter(|_| l.allow()).count();
        // all five calls fall in one or two windows; at most 3 per window pass
        assert!((3..=5).contains(&allowed), "{allowed}");
        let unlimited = RateLimiter::new(0);
        assert!((0..1000).all(|_| unlimited.allow()), "0 is no limit");
    }
}
