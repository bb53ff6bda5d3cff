//! A real Redis server of the test's own, on a free loopback port, no persistence: `redis-server`
//! from the Debian package (installed by `.ci/run`) as a child process, ended by PID when
//! dropped. It can be stopped and started again on the same port (a Redis restart).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running (or stopped) server.
pub struct Redis {
    child: Option<Child>,
    port: u16,
    /// `redis://127.0.0.1:PORT`.
    pub url: String,
}

impl Redis {
    /// Starts one, or `None` when redis-server is not installed and `ARENA_TEST_REDIS` is not set
    /// (CI sets it, so there a missing server fails the test).
    pub fn start() -> Option<Redis> {
        let installed = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            assert!(
                std::env::var_os("ARENA_TEST_REDIS").is_none(),
                "ARENA_TEST_REDIS is set but redis-server is not installed (apt install redis-server)"
            );
            eprintln!("redis-server is not installed: this cluster test is skipped");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = Redis {
            child: None,
            port,
            url: format!("redis://127.0.0.1:{port}"),
        };
        redis.restart();
        Some(redis)
    }

    /// Stops the server (SIGTERM to the process this test started) and waits until it exited.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (empty: nothing is persisted) and waits until it answers.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "stop it first");
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::{Read, Write};
                let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
                let mut pong = [0u8; 7];
                if s.write_all(b"PING\r\n").is_ok()
                    && s.read_exact(&mut pong).is_ok()
                    && &pong == b"+PONG\r\n"
                {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "redis-server did not answer");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}
