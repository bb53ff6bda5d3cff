//! A counting allocator for tests: the system allocator, counting live heap bytes and their
//! peak per thread, so a test can measure what one call holds at most ([`peak_during`]).
//! Install it as a test binary's `#[global_allocator]` (`arena_game::game_tests!` does; the
//! envelope's `tests/decode_alloc_bound.rs` does too). Counters are per thread, so tests running
//! in parallel do not see each other's allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

static COUNTING: AtomicBool = AtomicBool::new(false);

/// The system allocator, counting live bytes and their peak on the calling thread.
pub struct CountingAllocator;

fn grow(by: usize) {
    // try_with: during thread teardown the slot may be gone; those allocations are not ours.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + by as isize;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn shrink(by: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get() - by as isize));
}

// SAFETY: every call forwards to `System` with the same arguments; the counters only observe.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        COUNTING.store(true, Ordering::Relaxed);
        let p = System.alloc(layout);
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            // Count the new block before the old one goes: a moving realloc holds both.
            grow(new_size);
            shrink(layout.size());
        }
        p
    }
}

/// Whether [`CountingAllocator`] is this binary's global allocator (it has counted an
/// allocation).
pub fn installed() -> bool {
    drop(std::hint::black_box(vec![0u8; 64]));
    COUNTING.load(Ordering::Relaxed)
}

/// Peak heap bytes above the starting level on this thread while `f` runs (what it returns
/// dropped inside). 0 unless [`CountingAllocator`] is installed.
pub fn peak_during<R>(f: impl FnOnce() -> R) -> usize {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    drop(f());
    (PEAK.with(Cell::get) - start).max(0) as usize
}
