//! The per-session fan-out cost inside the server, without sockets: what a match does for each
//! session every tick (put the shared snapshot `Bytes` in the session's bounded queue and, when
//! needed, wake it with a `SnapshotReady` actor message) and what the session actor then does
//! (take the frame out of the queue). The actors are real actix actors on one arbiter, like a
//! match and its sessions on one HTTP worker. Writing the frame to the socket is not included:
//! `benches/load.py` measures that against the raw-write floor.
//!
//! `cargo bench --bench fanout`

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use arena::link::{SnapshotReady, SnapshotSlot};
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// Stands in for a session actor: drains its queue when woken, counts frames.
struct FakeSession {
    slot: Arc<SnapshotSlot>,
    taken: Rc<Cell<u64>>,
}

impl Actor for FakeSession {
    type Context = Context<Self>;
}

impl Handler<SnapshotReady> for FakeSession {
    type Result = ();
    fn handle(&mut self, _: SnapshotReady, _: &mut Self::Context) {
        let taken = &self.taken;
        self.slot.drain(|frame| {
            std::hint::black_box(frame);
            taken.set(taken.get() + 1);
        });
    }
}

fn fanout(c: &mut Criterion) {
    let mut group = c.benchmark_group("fanout");
    group.measurement_time(Duration::from_secs(5));
    for sessions in [10usize, 1000] {
        group.bench_function(BenchmarkId::new("per_tick", sessions), |b| {
            b.iter_custom(|ticks| {
                let system = actix::System::new();
                system.block_on(async move {
                    let taken = Rc::new(Cell::new(0u64));
                    let sessions: Vec<(Arc<SnapshotSlot>, Recipient<SnapshotReady>)> = (0
                        ..sessions)
                        .map(|_| {
                            let slot = Arc::new(SnapshotSlot::new(4, None));
                            let addr = FakeSession {
                                slot: slot.clone(),
                                taken: taken.clone(),
                            }
                            .start();
                            (slot, addr.recipient())
                        })
                        .collect();
                    let frame = Bytes::from(vec![7u8; 140]);
                    let expected = ticks * sessions.len() as u64;
                    let start = Instant::now();
                    for tick in 0..ticks {
                        for (slot, ready) in &sessions {
                            if slot.put(frame.clone(), tick).wake {
                                ready.do_send(SnapshotReady);
                            }
                        }
                        // Let the session actors run, as the worker does between ticks.
                        while taken.get() < (tick + 1) * sessions.len() as u64 {
                            tokio::task::yield_now().await;
                        }
                    }
                    assert_eq!(taken.get(), expected);
                    start.elapsed()
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, fanout);
criterion_main!(benches);
