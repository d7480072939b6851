//! Client-side pacing under the app's rate limit: calls are spaced evenly, so concurrent
//! batches go out as fast as the limit allows and never trip 60007 on their own.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer for `calls_per_second` (0 means unpaced).
    pub fn new(calls_per_second: u32) -> Self {
        let interval = if calls_per_second == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs(1) / calls_per_second
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
        // 201 calls need 200 intervals of 5 ms
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }
}
