//! Client-side pacing under the app's rate limit: calls are spaced evenly, so concurrent
//! batches go out as fast as the limit allows and never trip 60007 on their own.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// How much wider than the rate limit's interval calls are spaced.
const MARGIN: f64 = 0.02;

#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer for `calls_per_second` (0 means unpaced). Calls are spaced 2% wider than
    /// that: the server counts calls in its own one-second windows, and a client exactly at
    /// the rate, a little late on one call and on time on the next, puts the 201st call of
    /// a burst into one of them (60007).
    pub fn new(calls_per_second: u32) -> Self {
        let interval = if calls_per_second == 0 {
            Duration::ZERO
        } else {
            (Duration::from_secs(1) / calls_per_second).mul_f64(1.0 + MARGIN)
        };
        Pacer {
            interval,
            next: Mutex::new(None),
        }
    }

    /// Waits for this call's slot. Slots are handed out in order of arrival.
    pub async fn wait(&self) {
        if self.interval.is_zero() {
            return;
        }
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_calls_evenly() {
        let pacer = Pacer::new(200);
        let start = Instant::now();
        for _ in 0..201 {
            pacer.wait().await;
        }
        // 201 calls need 200 intervals of 5.1 ms (5 ms and the 2% margin): never 201 in a
        // second
        assert_eq!(start.elapsed(), Duration::from_micros(5_100) * 200);
        assert!(start.elapsed() > Duration::from_secs(1));
    }
}
