//! The client's side of snapshot deltas: [`Rebuilder`] keeps the views of the snapshots a client
//! received within the last [`DELTA_WINDOW`] ticks and turns each [`Delta`] back into the whole
//! [`Snapshot`] it stands for. The bots and the tests use it; the browser SDK has the same logic
//! in `clients/web/sdk/delta.js`, held to the same vectors.

use std::collections::VecDeque;

use crate::codec::MAX_MESSAGE_BYTES;
use crate::delta::{self, DeltaError};
use crate::protocol::{view_checksum, Delta, ServerMsg, Snapshot, DELTA_WINDOW};

/// A view the client holds, as a baseline for later deltas.
struct Held {
    tick: u32,
    server_time_us: u64,
    view: Vec<u8>,
}

/// Why a delta could not be turned into a snapshot: the client closes with 1007.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RebuildError {
    /// The delta refers to a baseline tick this client never received or no longer holds.
    #[error(
        "delta for tick {tick} refers to baseline tick {baseline}, which this client does not hold"
    )]
    MissingBaseline {
        /// The delta's tick.
        tick: u32,
        /// The baseline it names.
        baseline: u32,
    },
    /// `back` is 0 or not below [`DELTA_WINDOW`].
    #[error("delta for tick {tick} names a baseline {back} ticks back (allowed: 1 to {})", DELTA_WINDOW - 1)]
    BadBack {
        /// The delta's tick.
        tick: u32,
        /// Its `back`.
        back: u32,
    },
    /// The delta's bytes are malformed.
    #[error("delta for tick {tick} is malformed: {error}")]
    Malformed {
        /// The delta's tick.
        tick: u32,
        /// What is wrong with it.
        error: DeltaError,
    },
}

/// What became of a message given to [`Rebuilder::accept`].
#[derive(Debug, Clone, PartialEq)]
pub enum Rebuilt {
    /// A snapshot, whole (a keyframe as it came, or a delta rebuilt). The message is a
    /// [`ServerMsg::Snapshot`].
    Snapshot(ServerMsg),
    /// Any other message, untouched.
    Other(ServerMsg),
    /// The rebuilt view disagreed with the delta's checksum: this client dropped its baselines
    /// and must send [`crate::ClientMsg::Resync`]. Nothing to show this tick.
    NeedsResync,
    /// A delta that came while waiting for the keyframe asked for by a resync: skipped.
    Skipped,
}

/// Rebuilds whole snapshots from keyframes and deltas.
#[derive(Default)]
pub struct Rebuilder {
    held: VecDeque<Held>,
    /// A resync was asked for: deltas without a baseline are skipped until a keyframe.
    resyncing: bool,
    scratch: Vec<u8>,
    /// Counts, for reports: keyframes and deltas received.
    keyframes: u64,
    deltas: u64,
}

impl Rebuilder {
    /// A rebuilder holding nothing (a new connection).
    pub fn new() -> Self {
        Self::default()
    }

    /// Keyframes and deltas received so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.keyframes, self.deltas)
    }

    /// Forgets every baseline (a new connection starts with a keyframe).
    pub fn reset(&mut self) {
        self.held.clear();
        self.resyncing = false;
    }

    fn hold(&mut self, tick: u32, server_time_us: u64, view: &[u8]) {
        // Ticks only grow on one connection; keep the ones within the window of the newest.
        while let Some(old) = self.held.front() {
            if tick.wrapping_sub(old.tick) >= DELTA_WINDOW {
                self.held.pop_front();
            } else {
                break;
            }
        }
        let mut kept = if self.held.len() >= DELTA_WINDOW as usize {
            self.held.pop_front().map(|h| h.view).unwrap_or_default()
        } else {
            Vec::new()
        };
        kept.clear();
        kept.extend_from_slice(view);
        self.held.push_back(Held {
            tick,
            server_time_us,
            view: kept,
        });
    }

    /// Takes the next server message: a keyframe is held and returned, a delta is rebuilt into
    /// the whole snapshot, anything else passes through.
    pub fn accept(&mut self, msg: ServerMsg) -> Result<Rebuilt, RebuildError> {
        match msg {
            ServerMsg::Snapshot(s) => {
                self.keyframes += 1;
                self.resyncing = false;
                self.hold(s.tick, s.server_time_us, &s.view.0);
                Ok(Rebuilt::Snapshot(ServerMsg::Snapshot(s)))
            }
            ServerMsg::Delta(d) => {
                self.deltas += 1;
                self.rebuild(d)
            }
            other => Ok(Rebuilt::Other(other)),
        }
    }

    fn rebuild(&mut self, d: Delta) -> Result<Rebuilt, RebuildError> {
        if d.back == 0 || d.back >= DELTA_WINDOW {
            return Err(RebuildError::BadBack {
                tick: d.tick,
                back: d.back,
            });
        }
        let baseline = d.baseline_tick();
        let Some(base) = self.held.iter().find(|h| h.tick == baseline) else {
            if self.resyncing {
                return Ok(Rebuilt::Skipped);
            }
            return Err(RebuildError::MissingBaseline {
                tick: d.tick,
                baseline,
            });
        };
        let mut view = std::mem::take(&mut self.scratch);
        let applied = delta::apply(&base.view, &d.view.0, MAX_MESSAGE_BYTES, &mut view);
        let server_time_us = base.server_time_us.saturating_add(u64::from(d.since_us));
        if let Err(error) = applied {
            self.scratch = view;
            return Err(RebuildError::Malformed {
                tick: d.tick,
                error,
            });
        }
        if d.check.is_some_and(|c| c != view_checksum(&view)) {
            self.scratch = view;
            self.held.clear();
            self.resyncing = true;
            return Ok(Rebuilt::NeedsResync);
        }
        self.hold(d.tick, server_time_us, &view);
        Ok(Rebuilt::Snapshot(ServerMsg::Snapshot(Snapshot {
            tick: d.tick,
            server_time_us,
            phase: d.phase,
            view: crate::Payload(view),
            ack: d.ack,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Payload, Phase};

    fn key(tick: u32, time: u64, view: &[u8]) -> ServerMsg {
        ServerMsg::Snapshot(Snapshot {
            tick,
            server_time_us: time,
            phase: Phase::Running,
            view: Payload(view.to_vec()),
            ack: None,
        })
    }

    fn delta(tick: u32, back: u32, base: &[u8], target: &[u8], check: bool) -> ServerMsg {
        let mut bytes = Vec::new();
        delta::encode(base, target, &mut bytes);
        ServerMsg::Delta(Delta {
            tick,
            back,
            since_us: back * 50_000,
            phase: Phase::Running,
            check: check.then(|| view_checksum(target)),
            view: Payload(bytes),
            ack: Some(7),
        })
    }

    fn view_of(r: Rebuilt) -> (u32, u64, Vec<u8>, Option<u16>) {
        match r {
            Rebuilt::Snapshot(ServerMsg::Snapshot(s)) => {
                (s.tick, s.server_time_us, s.view.0, s.ack)
            }
            other => panic!("not a snapshot: {other:?}"),
        }
    }

    #[test]
    fn deltas_rebuild_against_the_named_baseline() {
        let mut r = Rebuilder::new();
        view_of(r.accept(key(10, 1_000_000, &[1, 2, 3, 4])).unwrap());
        let (tick, time, view, ack) = view_of(
            r.accept(delta(11, 1, &[1, 2, 3, 4], &[1, 2, 9, 4], true))
                .unwrap(),
        );
        assert_eq!(
            (tick, time, view, ack),
            (11, 1_050_000, vec![1, 2, 9, 4], Some(7))
        );
        // A delta against the older baseline (tick 10) while 11 is also held.
        let (tick, _, view, _) = view_of(
            r.accept(delta(12, 2, &[1, 2, 3, 4], &[5, 2, 3, 4, 6], false))
                .unwrap(),
        );
        assert_eq!((tick, view), (12, vec![5, 2, 3, 4, 6]));
        assert_eq!(r.counts(), (1, 2));
    }

    #[test]
    fn a_baseline_out_of_the_window_is_gone() {
        let mut r = Rebuilder::new();
        r.accept(key(1, 0, &[1])).unwrap();
        r.accept(key(1 + DELTA_WINDOW, 0, &[2])).unwrap();
        assert_eq!(
            r.accept(delta(2 + DELTA_WINDOW, DELTA_WINDOW - 1, &[1], &[3], false)),
            Err(RebuildError::MissingBaseline {
                tick: 2 + DELTA_WINDOW,
                baseline: 3
            })
        );
        assert!(matches!(
            r.accept(delta(40, DELTA_WINDOW, &[1], &[3], false)),
            Err(RebuildError::BadBack { .. })
        ));
        assert!(matches!(
            r.accept(delta(40, 0, &[1], &[3], false)),
            Err(RebuildError::BadBack { .. })
        ));
    }

    #[test]
    fn a_bad_checksum_asks_for_a_keyframe_and_skips_until_then() {
        let mut r = Rebuilder::new();
        r.accept(key(1, 0, &[1, 2, 3])).unwrap();
        let mut bad = delta(2, 1, &[1, 2, 3], &[1, 2, 4], true);
        if let ServerMsg::Delta(d) = &mut bad {
            d.check = d.check.map(|c| c ^ 1);
        }
        assert_eq!(r.accept(bad).unwrap(), Rebuilt::NeedsResync);
        // Deltas against what it dropped are skipped, not errors, until the keyframe.
        assert_eq!(
            r.accept(delta(3, 2, &[1, 2, 3], &[1, 2, 5], false))
                .unwrap(),
            Rebuilt::Skipped
        );
        view_of(r.accept(key(4, 0, &[7])).unwrap());
        view_of(r.accept(delta(5, 1, &[7], &[8], true)).unwrap());
        assert!(matches!(
            r.accept(delta(6, 3, &[7], &[8], false)),
            Err(RebuildError::MissingBaseline { .. })
        ));
    }

    #[test]
    fn a_malformed_delta_is_an_error() {
        let mut r = Rebuilder::new();
        r.accept(key(1, 0, &[1, 2, 3])).unwrap();
        let msg = ServerMsg::Delta(Delta {
            tick: 2,
            back: 1,
            view: Payload(vec![3, 0, 4, 1, 2, 3, 4]),
            ..Delta::default()
        });
        assert!(matches!(
            r.accept(msg),
            Err(RebuildError::Malformed {
                error: DeltaError::Overrun,
                ..
            })
        ));
    }
}
