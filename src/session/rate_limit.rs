//! A session's client-message budget: a token bucket with a burst allowance, and the count of
//! consecutive seconds with drops that turns a flood into a 1008 close.

use std::time::Instant;

/// Seconds of the allowed rate a session may send in one burst before messages are dropped.
/// Measured when messages are processed, so a backlog the server builds up while busy arrives
/// as a burst; this much slack keeps such a burst from a well-behaved client from counting as a
/// flood.
const INPUT_BURST_S: f64 = 3.0;

/// A session's client-message budget: a token bucket (refilled at the allowed rate, holding
/// [`INPUT_BURST_S`] of it) decides what is dropped; one-second windows with drops in a row
/// decide when a flood is sustained.
pub struct RateLimit {
    tokens: f64,
    refilled_at: Instant,
    window_start: Instant,
    dropped_in_window: bool,
    /// Consecutive windows in which messages were dropped.
    flooded_windows: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimit {
    /// A full bucket.
    pub fn new() -> Self {
        let now = Instant::now();
        Self {
            tokens: f64::INFINITY,
            refilled_at: now,
            window_start: now,
            dropped_in_window: false,
            flooded_windows: 0,
        }
    }

    /// Counts one message against `per_second`; `Err(windows)` when it must be dropped, with
    /// the number of consecutive one-second windows that have had drops.
    pub fn admit(&mut self, per_second: u32) -> Result<(), u32> {
        let now = Instant::now();
        let rate = per_second.max(1) as f64;
        let capacity = rate * INPUT_BURST_S;
        let elapsed = now.duration_since(self.refilled_at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(capacity);
        self.refilled_at = now;
        if now.duration_since(self.window_start).as_secs() >= 1 {
            self.flooded_windows = if self.dropped_in_window {
                self.flooded_windows + 1
            } else {
                0
            };
            self.window_start = now;
            self.dropped_in_window = false;
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        self.dropped_in_window = true;
        Err(self.flooded_windows + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A burst of up to INPUT_BURST_S seconds' worth passes (a backlog from a busy server);
    /// beyond it messages are dropped.
    #[test]
    fn bursts_pass_floods_are_dropped() {
        let mut r = RateLimit::new();
        for _ in 0..120 {
            assert!(r.admit(40).is_ok());
        }
        assert!(r.admit(40).is_err());
    }
}
