//! A TCP fault proxy for tests (`tc netem` and toxiproxy are not available here): sits between
//! a client and the server on loopback and adds latency, caps bandwidth, blackholes traffic
//! (no FIN, no RST: a half-open connection) or resets connections.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does to traffic from now on (both directions).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Forward as is.
    None,
    /// Hold every chunk this long before forwarding it.
    Latency(Duration),
    /// Forward at most this many bytes per second.
    Bandwidth(u32),
    /// Stop forwarding and stop reading, keeping both sockets open: packets "vanish".
    Blackhole,
    /// Abort every connection with a TCP reset.
    Reset,
}

/// A running proxy; its tasks end with the test's runtime.
pub struct FaultProxy {
    /// Where clients connect instead of the server.
    pub addr: SocketAddr,
    fault: Arc<Mutex<Fault>>,
}

impl FaultProxy {
    /// Proxies `127.0.0.1:<free port>` to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let fault = Arc::new(Mutex::new(Fault::None));
        let shared = fault.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pump(cr, sw, shared.clone()));
                tokio::spawn(pump(sr, cw, shared.clone()));
            }
        });
        Self { addr, fault }
    }

    /// Changes the fault for every connection, current and future.
    pub fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }
}

async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, fault: Arc<Mutex<Fault>>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let current = *fault.lock().unwrap();
        match current {
            Fault::Blackhole => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            Fault::Reset => {
                // SO_LINGER 0 makes the close send RST instead of FIN.
                for stream in [from.as_ref(), to.as_ref()] {
                    let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
                }
                return;
            }
            _ => {}
        }
        let n = match tokio::time::timeout(Duration::from_millis(50), from.read(&mut buf)).await {
            Err(_) => continue,
            Ok(Ok(0)) | Ok(Err(_)) => {
                let _ = to.shutdown().await;
                return;
            }
            Ok(Ok(n)) => n,
        };
        let current = *fault.lock().unwrap();
        match current {
            Fault::Latency(d) => tokio::time::sleep(d).await,
            Fault::Bandwidth(bps) => {
                tokio::time::sleep(Duration::from_secs_f64(n as f64 / bps.max(1) as f64)).await
            }
            _ => {}
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
