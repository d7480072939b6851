//! Injected faults (`--fault-rate`, `--fault-seed`, `--fault-kinds`, `--fault-next`) and the
//! per-app rate limit.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::endpoint::Endpoint;

/// How long `slow` and `applied-timeout` stay silent unless `--fault-delay-ms` says otherwise.
pub const DEFAULT_FAULT_DELAY: Duration = Duration::from_secs(3);

/// One injected fault. The first five change nothing: the request is not looked at. The
/// `applied-*` ones process the request completely (the change is made and persisted) and
/// then lose the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Top-level 50004 (internal server error).
    Internal,
    /// Top-level 50005 (network timeout).
    Timeout,
    /// HTTP 502 from a "gateway".
    BadGateway,
    /// The connection is dropped in the middle of the answer.
    Drop,
    /// The fault delay of silence, then 50005.
    Slow,
    /// The request is applied, then the connection is dropped in the middle of its answer.
    AppliedDrop,
    /// The request is applied, then the fault delay of silence, then the connection is
    /// closed without an answer.
    AppliedTimeout,
}

impl Fault {
    /// Every kind, in the order of their names in the docs.
    pub const ALL: [Fault; 7] = [
        Fault::Internal,
        Fault::Timeout,
        Fault::BadGateway,
        Fault::Drop,
        Fault::Slow,
        Fault::AppliedDrop,
        Fault::AppliedTimeout,
    ];

    /// What `--fault-rate` draws from unless `--fault-kinds` says otherwise. The order is
    /// part of the seeded sequence: changing it changes what a seed gives.
    pub const DEFAULT_KINDS: [Fault; 5] = [
        Fault::Internal,
        Fault::Timeout,
        Fault::BadGateway,
        Fault::Drop,
        Fault::Slow,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::Internal => "internal",
            Fault::Timeout => "timeout",
            Fault::BadGateway => "bad-gateway",
            Fault::Drop => "drop",
            Fault::Slow => "slow",
            Fault::AppliedDrop => "applied-drop",
            Fault::AppliedTimeout => "applied-timeout",
        }
    }

    /// Whether the request is processed (and its change made) before the answer is lost.
    pub fn is_applied(self) -> bool {
        matches!(self, Fault::AppliedDrop | Fault::AppliedTimeout)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Fault::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown fault kind {s:?}; the kinds are {}",
                    names.join(", ")
                )
            })
    }
}

/// Which calls a scripted fault is for: one endpoint, or any (`*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultTarget {
    Any,
    Endpoint(Endpoint),
}

impl FaultTarget {
    pub fn matches(self, endpoint: Endpoint) -> bool {
        match self {
            FaultTarget::Any => true,
            FaultTarget::Endpoint(e) => e == endpoint,
        }
    }
}

impl From<Endpoint> for FaultTarget {
    fn from(endpoint: Endpoint) -> Self {
        FaultTarget::Endpoint(endpoint)
    }
}

impl fmt::Display for FaultTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultTarget::Any => f.write_str("*"),
            FaultTarget::Endpoint(e) => e.fmt(f),
        }
    }
}

impl FromStr for FaultTarget {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "*" {
            Ok(FaultTarget::Any)
        } else {
            s.parse().map(FaultTarget::Endpoint)
        }
    }
}

/// A one-shot fault for the next call to an endpoint (`--fault-next ENDPOINT=KIND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScriptedFault {
    pub target: FaultTarget,
    pub fault: Fault,
}

impl fmt::Display for ScriptedFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.target, self.fault)
    }
}

impl FromStr for ScriptedFault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((target, fault)) = s.split_once('=') else {
            return Err(format!(
                "{s:?} is not ENDPOINT=KIND (e.g. create_contact_group=applied-drop)"
            ));
        };
        Ok(ScriptedFault {
            target: target.trim().parse()?,
            fault: fault.trim().parse()?,
        })
    }
}

/// The faults of one emulator: scripted ones first, in order, then a reproducible random
/// draw (the same seed and kinds give the same sequence of decisions).
#[derive(Debug)]
pub struct Faults {
    rate: f64,
    kinds: Vec<Fault>,
    rng: Mutex<StdRng>,
    scripted: Mutex<VecDeque<ScriptedFault>>,
}

impl Faults {
    pub fn new(rate: f64, seed: u64, kinds: &[Fault], scripted: &[ScriptedFault]) -> Self {
        Faults {
            rate: if rate.is_finite() {
                rate.clamp(0.0, 1.0)
            } else {
                0.0
            },
            kinds: kinds.to_vec(),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            scripted: Mutex::new(scripted.iter().copied().collect()),
        }
    }

    /// Queues a one-shot fault after those already queued.
    pub fn push(&self, fault: ScriptedFault) {
        self.lock_scripted().push_back(fault);
    }

    /// Scripted faults not yet used.
    pub fn scripted_left(&self) -> usize {
        self.lock_scripted().len()
    }

    fn lock_scripted(&self) -> std::sync::MutexGuard<'_, VecDeque<ScriptedFault>> {
        self.scripted.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The fault for the next call to `endpoint`, if any: the first scripted fault that
    /// matches it (used up), else the random draw. A scripted fault takes no random draw.
    pub fn next(&self, endpoint: Endpoint) -> Option<Fault> {
        {
            let mut scripted = self.lock_scripted();
            if let Some(i) = scripted.iter().position(|s| s.target.matches(endpoint)) {
                return scripted.remove(i).map(|s| s.fault);
            }
        }
        self.draw()
    }

    fn draw(&self) -> Option<Fault> {
        if self.rate <= 0.0 || self.kinds.is_empty() {
            return None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        if rng.random::<f64>() < self.rate {
            self.kinds
                .get(rng.random_range(0..self.kinds.len()))
                .copied()
        } else {
            None
        }
    }
}

/// Where the rate limiter reads the time: how long since it started.
pub type Clock = Arc<dyn Fn() -> Duration + Send + Sync>;

/// Fixed one-second windows: more than `limit` calls in one window get 60007.
pub struct RateLimiter {
    limit: u32,
    clock: Clock,
    window: Mutex<(u64, u32)>,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limit", &self.limit)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// A limiter on the real clock, its windows counted from now.
    pub fn new(limit: u32) -> Self {
        let start = Instant::now();
        RateLimiter::with_clock(limit, Arc::new(move || start.elapsed()))
    }

    /// A limiter that reads the time from `clock` (the time since the limiter started).
    pub fn with_clock(limit: u32, clock: Clock) -> Self {
        RateLimiter {
            limit,
            clock,
            window: Mutex::new((0, 0)),
        }
    }

    /// Counts one call; false when the window is already full. A limit of 0 is no limit,
    /// as for the client's pacer.
    pub fn allow(&self) -> bool {
        if self.limit == 0 {
            return true;
        }
        let second = (self.clock)().as_secs();
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
    use std::sync::atomic::{AtomicU64, Ordering};

    fn draws(faults: &Faults, n: usize) -> Vec<Option<Fault>> {
        (0..n).map(|_| faults.next(Endpoint::GetList)).collect()
    }

    #[test]
    fn same_seed_same_faults_and_rate_zero_never_faults() {
        let a = Faults::new(0.5, 7, &Fault::DEFAULT_KINDS, &[]);
        let b = Faults::new(0.5, 7, &Fault::DEFAULT_KINDS, &[]);
        let seq_a = draws(&a, 200);
        assert_eq!(seq_a, draws(&b, 200));
        for kind in Fault::DEFAULT_KINDS {
            assert!(seq_a.contains(&Some(kind)), "{kind:?} never drawn");
        }
        assert!(!seq_a.iter().flatten().any(|f| f.is_applied()));
        assert!(seq_a.contains(&None));
        let none = Faults::new(0.0, 7, &Fault::DEFAULT_KINDS, &[]);
        assert!(draws(&none, 100).iter().all(Option::is_none));
        let all = Faults::new(1.0, 1, &Fault::DEFAULT_KINDS, &[]);
        assert!(draws(&all, 100).iter().all(Option::is_some));
    }

    #[test]
    fn the_readme_sequence_of_seed_7() {
        // README, "Faults": eight calls with --fault-rate 0.5 --fault-seed 7
        let f = Faults::new(0.5, 7, &Fault::DEFAULT_KINDS, &[]);
        use Fault::*;
        assert_eq!(
            draws(&f, 8),
            vec![
                Some(Internal),
                Some(Internal),
                None,
                Some(Drop),
                None,
                None,
                Some(Internal),
                None
            ]
        );
    }

    #[test]
    fn fault_kinds_restrict_the_draw() {
        let f = Faults::new(1.0, 3, &[Fault::AppliedDrop, Fault::AppliedTimeout], &[]);
        let seq = draws(&f, 100);
        assert!(seq.contains(&Some(Fault::AppliedDrop)));
        assert!(seq.contains(&Some(Fault::AppliedTimeout)));
        assert!(seq.iter().all(|f| f.is_some_and(Fault::is_applied)));
        let none = Faults::new(1.0, 3, &[], &[]);
        assert!(draws(&none, 10).iter().all(Option::is_none));
    }

    #[test]
    fn scripted_faults_go_to_the_first_matching_call_in_order() {
        let script: Vec<ScriptedFault> = ["mark_contact=internal", "*=slow", "mark_contact=drop"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let f = Faults::new(0.0, 0, &Fault::DEFAULT_KINDS, &script);
        assert_eq!(f.next(Endpoint::GetList), Some(Fault::Slow));
        assert_eq!(f.next(Endpoint::MarkContact), Some(Fault::Internal));
        assert_eq!(f.next(Endpoint::GetList), None);
        f.push(ScriptedFault {
            target: Endpoint::Delete.into(),
            fault: Fault::AppliedTimeout,
        });
        assert_eq!(f.scripted_left(), 2);
        assert_eq!(f.next(Endpoint::Delete), Some(Fault::AppliedTimeout));
        assert_eq!(f.next(Endpoint::MarkContact), Some(Fault::Drop));
        assert_eq!(f.next(Endpoint::MarkContact), None);
        assert_eq!(f.scripted_left(), 0);

        // a scripted fault takes no random draw: the seeded sequence goes on as without it
        let script = ["sendmsg=bad-gateway".parse().unwrap()];
        let with = Faults::new(0.5, 7, &Fault::DEFAULT_KINDS, &script);
        let without = Faults::new(0.5, 7, &Fault::DEFAULT_KINDS, &[]);
        assert_eq!(with.next(Endpoint::SendMsg), Some(Fault::BadGateway));
        assert_eq!(draws(&with, 20), draws(&without, 20));
    }

    #[test]
    fn names_parse_and_print() {
        for kind in Fault::ALL {
            assert_eq!(kind.to_string().parse::<Fault>(), Ok(kind));
        }
        assert_eq!("bad-gateway".parse::<Fault>(), Ok(Fault::BadGateway));
        assert!(
            "applied"
                .parse::<Fault>()
                .unwrap_err()
                .contains("applied-timeout")
        );
        let s: ScriptedFault = "create_contact_group=applied-drop".parse().unwrap();
        assert_eq!(
            s,
            ScriptedFault {
                target: FaultTarget::Endpoint(Endpoint::CreateContactGroup),
                fault: Fault::AppliedDrop
            }
        );
        assert_eq!(s.to_string(), "create_contact_group=applied-drop");
        assert_eq!(
            "*=drop".parse::<ScriptedFault>().unwrap().target,
            FaultTarget::Any
        );
        for bad in ["mark_contact", "nope=drop", "mark_contact=nope", "=drop"] {
            assert!(bad.parse::<ScriptedFault>().is_err(), "{bad}");
        }
    }

    /// A clock the test moves by hand, in milliseconds.
    fn manual_clock() -> (Arc<AtomicU64>, Clock) {
        let ms = Arc::new(AtomicU64::new(0));
        let read = ms.clone();
        let clock: Clock = Arc::new(move || Duration::from_millis(read.load(Ordering::SeqCst)));
        (ms, clock)
    }

    #[test]
    fn limiter_passes_exactly_limit_calls_per_window() {
        let (ms, clock) = manual_clock();
        let l = RateLimiter::with_clock(3, clock);
        let window = |l: &RateLimiter| (0..5).map(|_| l.allow()).collect::<Vec<_>>();
        assert_eq!(window(&l), [true, true, true, false, false]);
        ms.store(999, Ordering::SeqCst);
        assert!(!l.allow(), "still the first window");
        ms.store(1000, Ordering::SeqCst);
        assert_eq!(window(&l), [true, true, true, false, false]);
        // a window skipped over starts empty too
        ms.store(5_500, Ordering::SeqCst);
        assert_eq!(window(&l), [true, true, true, false, false]);

        let (_, clock) = manual_clock();
        let unlimited = RateLimiter::with_clock(0, clock);
        assert!((0..1000).all(|_| unlimited.allow()), "0 is no limit");
    }
}
