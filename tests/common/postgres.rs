//! A real PostgreSQL server of the test's own, on a free loopback port, in a temp directory:
//! `initdb`, then `postgres` as a child process, ended by PID when dropped. The Debian package
//! (`postgresql`, installed by `.ci/run`) provides the binaries; as root the server runs as the
//! `postgres` user (it refuses to run as root).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server.
pub struct Postgres {
    child: Option<Child>,
    dir: PathBuf,
    bin: PathBuf,
    user: Option<(u32, u32)>,
    port: u16,
    /// `postgres://arena@127.0.0.1:PORT/postgres`.
    pub url: String,
}

/// The newest `/usr/lib/postgresql/N/bin` with `initdb` and `postgres`.
fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").exists() && bin.join("postgres").exists()).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The uid and gid of the `postgres` user, when this process runs as root.
fn run_as() -> Option<(u32, u32)> {
    let root = Command::new("id").arg("-u").output().ok()?.stdout == b"0\n";
    if !root {
        return None;
    }
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?))
}

fn command(bin: &Path, user: Option<(u32, u32)>) -> Command {
    let mut c = Command::new(bin);
    if let Some((uid, gid)) = user {
        c.uid(uid).gid(gid);
    }
    c
}

impl Postgres {
    /// Starts one, or `None` when PostgreSQL is not installed and `ARENA_TEST_POSTGRES` is not
    /// set (CI sets it, so there a missing server fails the test).
    pub fn start() -> Option<Postgres> {
        let Some(bin) = bin_dir() else {
            assert!(
                std::env::var_os("ARENA_TEST_POSTGRES").is_none(),
                "ARENA_TEST_POSTGRES is set but no PostgreSQL is installed (apt install postgresql)"
            );
            eprintln!("PostgreSQL is not installed: the PostgreSQL half of this test is skipped");
            return None;
        };
        let user = run_as();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("arena-pg-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir).unwrap();
        if user.is_some() {
            let ok = Command::new("chown")
                .args(["postgres:postgres", dir.to_str().unwrap()])
                .status()
                .unwrap()
                .success();
            assert!(ok, "chown of the data directory");
        }
        let data = dir.join("data");
        let init = command(&bin.join("initdb"), user)
            .args([
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "arena",
                "-E",
                "UTF8",
            ])
            .arg("--no-sync")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("initdb runs");
        assert!(
            init.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut pg = Postgres {
            child: None,
            dir,
            bin,
            user,
            port,
            url: format!("postgres://arena@127.0.0.1:{port}/postgres"),
        };
        pg.restart();
        Some(pg)
    }

    /// Stops the server (PostgreSQL's fast shutdown, SIGINT) and waits until it has exited: the
    /// database is down until [`Postgres::restart`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Only the process this test started.
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same data and port, and waits until it takes connections.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "stop it first");
        let data = self.dir.join("data");
        let port = self.port.to_string();
        let child = command(&self.bin.join("postgres"), self.user)
            .args(["-D", data.to_str().unwrap(), "-p", &port])
            .args(["-k", self.dir.to_str().unwrap()])
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "postgres did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        // Listening comes a moment before it takes connections; pg_isready says when.
        while !command(&self.bin.join("pg_isready"), None)
            .args(["-h", "127.0.0.1", "-p", &port, "-q"])
            .status()
            .is_ok_and(|s| s.success())
        {
            assert!(Instant::now() < deadline, "postgres did not get ready");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
