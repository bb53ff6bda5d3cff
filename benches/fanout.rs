//! The per-session fan-out cost inside the server: what a match does for each session every
//! tick, over real loopback sockets. `arena_ws_conn` hands the shared message and the session's
//! own 3-byte tail to each session's [`WsConn`] (lock, one non-blocking vectored `send` of
//! header, message and tail, unlock), as the match does; `raw_write` is one `write` of a frame
//! of the same size on the same kind of socket, with nothing else. Their difference is
//! what the connection's bookkeeping costs on top of the syscall. Reading the frames (the
//! clients' side) happens between measured ticks.
//!
//! `cargo bench --bench fanout`

use std::io::{ErrorKind, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arena::conn::{binary_frame, Delivery, SnapshotOut, WsConn};
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// `n` connected loopback pairs: the server side (tokio) and the client side (std, non-blocking).
async fn pairs(n: usize) -> Vec<(tokio::net::TcpStream, std::net::TcpStream)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let client = std::net::TcpStream::connect(addr).unwrap();
        client.set_nonblocking(true).unwrap();
        let (server, _) = listener.accept().await.unwrap();
        server.set_nodelay(true).unwrap();
        out.push((server, client));
    }
    out
}

/// Reads everything waiting on every client socket.
fn drain(clients: &mut [std::net::TcpStream], buf: &mut [u8]) {
    for c in clients {
        loop {
            match c.read(buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("read: {e}"),
            }
        }
    }
}

fn fanout(c: &mut Criterion) {
    let mut group = c.benchmark_group("fanout");
    group.measurement_time(Duration::from_secs(5));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let body = Bytes::from(vec![7u8; 147]);
    let tail = [1u8, 2, 3];
    let frame = binary_frame(&[7u8; 150]);
    let mut buf = vec![0u8; 64 * 1024];
    for sessions in [10usize, 1000] {
        let (conns, mut clients): (Vec<Arc<WsConn>>, Vec<std::net::TcpStream>) =
            runtime.block_on(async {
                let pairs = pairs(sessions).await;
                // Let the reactor see every socket writable once.
                tokio::time::sleep(Duration::from_millis(50)).await;
                pairs
                    .into_iter()
                    .map(|(server, client)| {
                        let (_read, write) = server.into_split();
                        (Arc::new(WsConn::new(write, 4)), client)
                    })
                    .unzip()
            });
        group.bench_function(BenchmarkId::new("arena_ws_conn", sessions), |b| {
            b.iter_custom(|ticks| {
                let mut spent = Duration::ZERO;
                for tick in 0..ticks {
                    runtime.block_on(async {
                        let start = Instant::now();
                        for conn in &conns {
                            let snap = SnapshotOut {
                                body: &body,
                                tail: &tail,
                                id: tick,
                                key: false,
                            };
                            let d = conn.send_snapshot(snap, tick);
                            debug_assert_eq!(d, Delivery::Written);
                        }
                        spent += start.elapsed();
                    });
                    drain(&mut clients, &mut buf);
                }
                spent
            })
        });
        let raw: Vec<std::net::TcpStream> = runtime.block_on(async {
            pairs(sessions)
                .await
                .into_iter()
                .map(|(server, client)| {
                    let server = server.into_std().unwrap();
                    server.set_nonblocking(true).unwrap();
                    clients.push(client);
                    server
                })
                .collect()
        });
        group.bench_function(BenchmarkId::new("raw_write", sessions), |b| {
            b.iter_custom(|ticks| {
                let mut spent = Duration::ZERO;
                for _ in 0..ticks {
                    let start = Instant::now();
                    for mut s in &raw {
                        let _ = s.write(&frame);
                    }
                    spent += start.elapsed();
                    drain(&mut clients, &mut buf);
                }
                spent
            })
        });
    }
    group.finish();
}

criterion_group!(benches, fanout);
criterion_main!(benches);
