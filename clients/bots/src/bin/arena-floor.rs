//! `arena-floor`: the floor the load benchmark compares Arena against. The least a server can do to
//! deliver a snapshot: one `write()` of a ready-made WebSocket frame per socket per tick, on
//! loopback, with nothing else (no HTTP, no handshake, no game, no per-session state).
//!
//! - `arena-floor serve --sessions N --frame-bytes B` listens, accepts N connections, then writes
//!   one B-byte frame to each every tick for `--duration-s` and prints one JSON object with its own
//!   CPU time over that window (getrusage, user + system).
//! - `arena-floor sink --connect ADDR --sessions N` opens the N connections and reads everything
//!   until the server closes them (run it pinned to the other CPU, where the bots would be).
//! - With `serve --read-inputs` and `sink --input-bytes 7` the floor also does what a server of
//!   players does besides writing: the sink answers every read with one small input, and `serve`
//!   reads each socket once per tick after writing. That floor has the same syscalls per session
//!   per tick as Arena with players (one write, one read), still with nothing else.
//!
//! Used only by `benches/load.py`; only ever pointed at 127.0.0.1.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use arena_bots::swarm::process_cpu_us;
use clap::{Parser, Subcommand};

/// How long `serve` waits for all sessions to connect before giving up, seconds.
const ACCEPT_TIMEOUT_S: u64 = 60;

/// Pause between the last accept and the measured window, so connect work is not counted.
const SETTLE: Duration = Duration::from_secs(1);

#[derive(Parser, Debug)]
#[command(
    name = "arena-floor",
    about = "Raw write-per-socket floor for the load benchmark"
)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand, Debug)]
enum Mode {
    /// Accept N connections and write one frame to each per tick.
    Serve {
        /// Address to listen on; the bound address is printed as the first stdout line.
        #[arg(long, default_value = "127.0.0.1:0")]
        bind: SocketAddr,
        /// Connections to accept before ticking.
        #[arg(long)]
        sessions: usize,
        /// Bytes per frame on the wire (WebSocket header included), e.g. Arena's snapshot frame.
        #[arg(long)]
        frame_bytes: usize,
        /// Ticks per second.
        #[arg(long, default_value_t = 20)]
        tick_hz: u32,
        /// Length of the measured window, seconds.
        #[arg(long, default_value_t = 10.0)]
        duration_s: f64,
        /// Also read each socket once per tick (non-blocking), as a server of players must.
        #[arg(long)]
        read_inputs: bool,
    },
    /// Open N connections and read until the server closes them.
    Sink {
        /// The serve side's address.
        #[arg(long)]
        connect: SocketAddr,
        /// Connections to open.
        #[arg(long)]
        sessions: usize,
        /// Give up after this long, seconds.
        #[arg(long, default_value_t = 120.0)]
        timeout_s: f64,
        /// Answer every read with an input of this many bytes (0 = read only).
        #[arg(long, default_value_t = 0)]
        input_bytes: usize,
    },
}

fn main() -> std::process::ExitCode {
    let result = match Cli::parse().mode {
        Mode::Serve {
            bind,
            sessions,
            frame_bytes,
            tick_hz,
            duration_s,
            read_inputs,
        } => serve(
            bind,
            sessions,
            frame_bytes,
            tick_hz,
            duration_s,
            read_inputs,
        ),
        Mode::Sink {
            connect,
            sessions,
            timeout_s,
            input_bytes,
        } => sink(connect, sessions, timeout_s, input_bytes),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("arena-floor: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

/// A server→client binary WebSocket frame of `total` bytes on the wire (unmasked, FIN set).
fn ws_frame(total: usize) -> Vec<u8> {
    let mut frame = Vec::with_capacity(total);
    if total < 2 + 126 {
        let len = total.saturating_sub(2);
        frame.extend_from_slice(&[0x82, len as u8]);
    } else {
        let len = total - 4;
        frame.extend_from_slice(&[0x82, 126]);
        frame.extend_from_slice(&(len as u16).to_be_bytes());
    }
    frame.resize(total.max(frame.len()), 0xA5);
    frame
}

fn serve(
    bind: SocketAddr,
    sessions: usize,
    frame_bytes: usize,
    tick_hz: u32,
    duration_s: f64,
    read_inputs: bool,
) -> std::io::Result<()> {
    let listener = TcpListener::bind(bind)?;
    println!("listening {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + Duration::from_secs(ACCEPT_TIMEOUT_S);
    let mut socks = Vec::with_capacity(sessions);
    while socks.len() < sessions {
        match listener.accept() {
            Ok((s, _)) => {
                s.set_nodelay(true)?;
                s.set_nonblocking(true)?;
                socks.push(s);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    return Err(std::io::Error::new(
                        ErrorKind::TimedOut,
                        format!("only {} of {sessions} connected", socks.len()),
                    ));
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => return Err(e),
        }
    }
    std::thread::sleep(SETTLE);
    let frame = ws_frame(frame_bytes);
    let period = Duration::from_secs_f64(1.0 / tick_hz.max(1) as f64);
    let ticks = (duration_s * tick_hz as f64).round().max(1.0) as u64;
    let (mut written, mut dropped, mut input_bytes) = (0u64, 0u64, 0u64);
    let mut inbuf = [0u8; 4096];
    let cpu0 = process_cpu_us();
    let start = Instant::now();
    for tick in 0..ticks {
        let at = start + period * tick as u32;
        if let Some(wait) = at.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        for s in &mut socks {
            match s.write(&frame) {
                Ok(n) if n == frame.len() => written += 1,
                // A floor does not buffer: a frame that does not fit whole is counted as dropped.
                Ok(_) | Err(_) => dropped += 1,
            }
            if read_inputs {
                if let Ok(n) = s.read(&mut inbuf) {
                    input_bytes += n as u64;
                }
            }
        }
    }
    let window_s = start.elapsed().as_secs_f64();
    let cpu_us = process_cpu_us() - cpu0;
    println!(
        "{}",
        serde_json::json!({
            "sessions": sessions,
            "frame_bytes": frame.len(),
            "tick_hz": tick_hz,
            "ticks": ticks,
            "writes": written,
            "dropped": dropped,
            "read_inputs": read_inputs,
            "input_bytes": input_bytes,
            "window_s": window_s,
            "cpu_us": cpu_us,
            "cpu_pct": 100.0 * cpu_us as f64 / 1e6 / window_s,
            "cpu_us_per_write": cpu_us as f64 / written.max(1) as f64,
        })
    );
    Ok(())
}

fn sink(
    connect: SocketAddr,
    sessions: usize,
    timeout_s: f64,
    input_bytes: usize,
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut tasks = Vec::with_capacity(sessions);
        for _ in 0..sessions {
            let stream = tokio::net::TcpStream::connect(connect).await?;
            stream.set_nodelay(true)?;
            tasks.push(tokio::spawn(read_all(stream, input_bytes)));
        }
        let total = async {
            let mut bytes = 0u64;
            for t in tasks {
                bytes += t.await.unwrap_or(0);
            }
            bytes
        };
        let bytes = tokio::time::timeout(Duration::from_secs_f64(timeout_s), total)
            .await
            .map_err(|_| std::io::Error::new(ErrorKind::TimedOut, "sink timed out"))?;
        println!(
            "{}",
            serde_json::json!({ "sessions": sessions, "bytes": bytes })
        );
        Ok(())
    })
}

async fn read_all(mut stream: tokio::net::TcpStream, input_bytes: usize) -> u64 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    let input = vec![0x5Au8; input_bytes];
    let mut total = 0u64;
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
        total += n as u64;
        if !input.is_empty() && stream.write_all(&input).await.is_err() {
            break;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames have the requested wire size and a header whose length matches the payload.
    #[test]
    fn frame_sizes() {
        let small = ws_frame(100);
        assert_eq!(small.len(), 100);
        assert_eq!(small[..2], [0x82, 98]);
        let big = ws_frame(144);
        assert_eq!(big.len(), 144);
        assert_eq!(big[..4], [0x82, 126, 0, 140]);
    }
}
