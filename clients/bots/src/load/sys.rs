//! The few system calls the event loop makes, through `libc`: epoll, a non-blocking connect to
//! 127.0.0.1, recvmsg with the kernel's receive timestamp, send, close, a short sleep, and
//! raising the open-file limit.

use std::io;
use std::os::fd::RawFd;

/// An epoll instance (level-triggered), closed on drop.
pub struct Epoll(RawFd);

fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

impl Epoll {
    pub fn new() -> io::Result<Self> {
        // SAFETY: plain system call, no pointers.
        check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) }).map(Epoll)
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, events: u32, data: u64) -> io::Result<()> {
        let mut ev = libc::epoll_event { events, u64: data };
        // SAFETY: `ev` lives across the call; the kernel copies it.
        check(unsafe { libc::epoll_ctl(self.0, op, fd, &mut ev) }).map(|_| ())
    }

    pub fn add(&self, fd: RawFd, events: u32, data: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, events, data)
    }

    pub fn modify(&self, fd: RawFd, events: u32, data: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, events, data)
    }

    /// Waits up to `timeout_ms` and fills `events`; returns how many are ready (0 on EINTR).
    pub fn wait(&self, events: &mut [libc::epoll_event], timeout_ms: i32) -> usize {
        // SAFETY: the kernel writes at most `events.len()` entries into the slice.
        let n = unsafe {
            libc::epoll_wait(
                self.0,
                events.as_mut_ptr(),
                events.len().min(i32::MAX as usize) as i32,
                timeout_ms,
            )
        };
        n.max(0) as usize
    }
}

impl Drop for Epoll {
    fn drop(&mut self) {
        close(self.0);
    }
}

/// Starts a non-blocking TCP connect to 127.0.0.1:`port` with Nagle off. The connection is
/// complete (or failed) when the socket becomes writable; see [`take_error`].
pub fn connect_loopback(port: u16) -> io::Result<RawFd> {
    // SAFETY: plain system calls; `addr` and `one` outlive the calls that read them.
    unsafe {
        let fd = check(libc::socket(
            libc::AF_INET,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        ))?;
        let one: libc::c_int = 1;
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            &one as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
        let addr = libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: port.to_be(),
            sin_addr: libc::in_addr {
                s_addr: u32::from_ne_bytes([127, 0, 0, 1]),
            },
            sin_zero: [0; 8],
        };
        let rc = libc::connect(
            fd,
            &addr as *const libc::sockaddr_in as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        );
        if rc < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EINPROGRESS) {
                libc::close(fd);
                return Err(e);
            }
        }
        Ok(fd)
    }
}

/// The pending error of a socket (`SO_ERROR`), 0 when none: how a non-blocking connect ended.
pub fn take_error(fd: RawFd) -> i32 {
    let mut err: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the kernel writes one c_int into `err`.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            &mut err as *mut libc::c_int as *mut libc::c_void,
            &mut len,
        )
    };
    if rc < 0 {
        io::Error::last_os_error().raw_os_error().unwrap_or(-1)
    } else {
        err
    }
}

/// `SO_TIMESTAMPNS` (and its control message type, `SCM_TIMESTAMPNS`) in asm-generic and on
/// x86-64, where `time_t` is 64 bits (the `libc` crate does not export it for Linux).
const SO_TIMESTAMPNS: libc::c_int = 35;

/// Asks the kernel to stamp every packet this socket receives with the wall clock
/// (`CLOCK_REALTIME`) when it arrives, and to hand the stamp of the newest packet to each
/// `recvmsg`. Returns whether it worked.
pub fn enable_rx_timestamps(fd: RawFd) -> bool {
    let one: libc::c_int = 1;
    // SAFETY: `one` outlives the call.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            SO_TIMESTAMPNS,
            &one as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        ) == 0
    }
}

/// What a non-blocking read gave.
pub enum Read {
    /// This many bytes.
    Data(usize),
    /// Nothing now (EAGAIN).
    Empty,
    /// The peer closed, or the socket failed.
    Closed,
}

/// Reads into `buf` without blocking; with [`enable_rx_timestamps`] on, also returns when the
/// newest packet of what was read arrived (Unix µs). For TCP the kernel gives the stamp of the
/// last packet the read consumed.
#[inline]
pub fn read(fd: RawFd, buf: &mut [u8]) -> (Read, Option<u64>) {
    // Room for one cmsghdr and a timespec, 8-byte aligned.
    let mut control = [0u64; 8];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr() as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain data; zeroed is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf` and at most
    // `msg_controllen` bytes into `control`, both alive across the call.
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_DONTWAIT) };
    if n > 0 {
        let mut stamp = None;
        // SAFETY: the CMSG_* helpers walk the control buffer the kernel filled, bounded by
        // msg_controllen; the timespec is read unaligned.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&msg);
            while !c.is_null() {
                if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == SO_TIMESTAMPNS {
                    let ts = std::ptr::read_unaligned(libc::CMSG_DATA(c) as *const libc::timespec);
                    stamp = Some(ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000);
                }
                c = libc::CMSG_NXTHDR(&msg, c);
            }
        }
        (Read::Data(n as usize), stamp)
    } else if n == 0 {
        (Read::Closed, None)
    } else {
        let r = match io::Error::last_os_error().raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EINTR) => Read::Empty,
            _ => Read::Closed,
        };
        (r, None)
    }
}

/// Sleeps `us` microseconds (one timer, one context switch).
pub fn sleep_us(us: u64) {
    let ts = libc::timespec {
        tv_sec: (us / 1_000_000) as libc::time_t,
        tv_nsec: ((us % 1_000_000) * 1000) as libc::c_long,
    };
    // SAFETY: nanosleep reads `ts`; the remainder pointer may be null.
    unsafe {
        libc::nanosleep(&ts, std::ptr::null_mut());
    }
}

/// Sends `buf` without blocking and without SIGPIPE; returns the bytes written (0 on EAGAIN or
/// any error).
#[inline]
pub fn send(fd: RawFd, buf: &[u8]) -> usize {
    // SAFETY: the kernel reads at most `buf.len()` bytes from `buf`.
    let n = unsafe {
        libc::send(
            fd,
            buf.as_ptr() as *const libc::c_void,
            buf.len(),
            libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
        )
    };
    n.max(0) as usize
}

pub fn close(fd: RawFd) {
    if fd >= 0 {
        // SAFETY: closing a descriptor this process owns.
        unsafe {
            libc::close(fd);
        }
    }
}

/// Raises the soft open-file limit to the hard one; returns the new soft limit.
pub fn raise_nofile() -> u64 {
    // SAFETY: get/setrlimit read and write the one struct given.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < lim.rlim_max {
            let want = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                return want.rlim_cur as u64;
            }
        }
        lim.rlim_cur as u64
    }
}

/// A short name for an errno, for failure counts.
pub fn errno_name(e: i32) -> String {
    match e {
        libc::ECONNREFUSED => "refused".into(),
        libc::ECONNRESET => "reset".into(),
        libc::ETIMEDOUT => "timeout".into(),
        libc::EADDRNOTAVAIL => "no_local_port".into(),
        libc::EMFILE | libc::ENFILE => "too_many_files".into(),
        other => format!("errno_{other}"),
    }
}
