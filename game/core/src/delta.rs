//! A generic delta of one encoded snapshot against another: a bit mask of the bytes that changed
//! (itself zero-run coded), then those bytes XOR the baseline's. It knows nothing of any game: it
//! works on the bytes a game's view encoder produced, so a game author writes no diff code.
//!
//! # Format
//! ```text
//! delta   = len:varint  run*  xor{popcount(mask)}   -- len: the target's length in bytes
//! run     = skip:varint  n:varint  byte{n}           -- over the mask's ceil(len / 8) bytes
//! ```
//! Varints are LEB128 (7 bits a byte, low first, at most 5 bytes for a `u32`). The baseline is
//! read as if zero-padded (or cut) to `len`. The mask has one bit per target byte (bit `i % 8`
//! of mask byte `i / 8`), set when that byte differs from the baseline's. It is sent as runs:
//! from mask byte 0, each run keeps `skip` mask bytes zero, then gives `n` mask bytes as they
//! are, until the mask is complete. Then, for every set bit in order, one byte: the target's
//! byte XOR the baseline's. A delta that ends early, a run past the mask's end or that moves
//! nothing (`skip = n = 0`), a bit set past `len`, bytes left over, or a varint longer than 5
//! bytes is malformed. An identical snapshot of the same length is `len` plus one run
//! `skip = ceil(len / 8), n = 0` (just `len` when `len` is 0).
//!
//! Why a mask: a snapshot's changes are scattered (a coordinate's low byte here, a counter
//! there); a bit per byte costs less than the run headers and the unchanged bytes between them
//! that a plain zero-run code pays, and a static state's mask is zero runs (see
//! `cargo bench --bench delta`).
//!
//! The encoder ends a run of mask bytes only at [`MIN_ZERO_RUN`] zero mask bytes in a row (a
//! shorter gap costs no more inside the run than a new run's two varints).

/// Zero mask bytes that end a run in the encoder.
pub const MIN_ZERO_RUN: usize = 3;

/// Why a delta could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeltaError {
    /// The delta ended inside a varint or a literal, or before reaching the target's length.
    #[error("delta is truncated")]
    Truncated,
    /// A varint is longer than 5 bytes or does not fit a `u32`.
    #[error("delta has an over-long varint")]
    BadVarint,
    /// The target length is above the caller's limit.
    #[error("delta target of {len} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// The length the delta claims.
        len: usize,
        /// The caller's limit.
        limit: usize,
    },
    /// A run goes past the mask's end, moves nothing, or a bit is set past the target's end.
    #[error("delta run goes past the target's end")]
    Overrun,
    /// Bytes follow the last run.
    #[error("delta has {0} trailing bytes")]
    Trailing(usize),
}

fn put_varint(out: &mut Vec<u8>, mut v: usize) {
    loop {
        let byte = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn get_varint(input: &[u8], at: &mut usize) -> Result<usize, DeltaError> {
    let mut v: u64 = 0;
    for i in 0..5 {
        let byte = *input.get(*at).ok_or(DeltaError::Truncated)?;
        *at += 1;
        v |= u64::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            return u32::try_from(v)
                .map(|v| v as usize)
                .map_err(|_| DeltaError::BadVarint);
        }
    }
    Err(DeltaError::BadVarint)
}

/// The baseline's byte at `i`, zero past its end.
fn base_at(base: &[u8], i: usize) -> u8 {
    base.get(i).copied().unwrap_or(0)
}

/// Appends the delta that turns `base` into `target` to `out`.
pub fn encode(base: &[u8], target: &[u8], out: &mut Vec<u8>) {
    let len = target.len();
    put_varint(out, len);
    // The mask, then the changed bytes; the mask is written as runs into `out` first.
    let mut mask = vec![0u8; len.div_ceil(8)];
    let mut changed = Vec::with_capacity(len / 4);
    for (i, &t) in target.iter().enumerate() {
        let x = t ^ base_at(base, i);
        if x != 0 {
            mask[i / 8] |= 1 << (i % 8);
            changed.push(x);
        }
    }
    let mlen = mask.len();
    let mut pos = 0;
    while pos < mlen {
        let start = pos;
        while pos < mlen && mask[pos] == 0 {
            pos += 1;
        }
        let skip = pos - start;
        // The run of mask bytes goes on until MIN_ZERO_RUN zero bytes in a row (or the end).
        let lit_start = pos;
        let mut lit_end = pos;
        let mut i = pos;
        while i < mlen {
            if mask[i] != 0 {
                i += 1;
                lit_end = i;
            } else {
                let mut j = i;
                while j < mlen && mask[j] == 0 && j - i < MIN_ZERO_RUN {
                    j += 1;
                }
                if j - i >= MIN_ZERO_RUN || j == mlen {
                    break;
                }
                i = j;
            }
        }
        put_varint(out, skip);
        put_varint(out, lit_end - lit_start);
        out.extend_from_slice(&mask[lit_start..lit_end]);
        pos = lit_end;
    }
    out.extend_from_slice(&changed);
}

/// Applies `delta` to `base`, writing the target into `out` (cleared first). The target may be
/// at most `limit` bytes.
pub fn apply(base: &[u8], delta: &[u8], limit: usize, out: &mut Vec<u8>) -> Result<(), DeltaError> {
    out.clear();
    let mut at = 0;
    let len = get_varint(delta, &mut at)?;
    if len > limit {
        return Err(DeltaError::TooLarge { len, limit });
    }
    out.extend((0..len).map(|i| base_at(base, i)));
    let mlen = len.div_ceil(8);
    // First pass: where the mask's given bytes are in `delta` (they may not be read twice from
    // a buffer we do not own, so note the runs), then the changed bytes follow them.
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    let mut pos = 0;
    while pos < mlen {
        let skip = get_varint(delta, &mut at)?;
        let n = get_varint(delta, &mut at)?;
        if skip == 0 && n == 0 {
            // A run that moves nothing can only repeat forever.
            return Err(DeltaError::Overrun);
        }
        let end = pos
            .checked_add(skip)
            .and_then(|p| p.checked_add(n))
            .filter(|&e| e <= mlen)
            .ok_or(DeltaError::Overrun)?;
        if delta.len() < at + n {
            return Err(DeltaError::Truncated);
        }
        runs.push((pos + skip, at, n));
        at += n;
        pos = end;
    }
    for (first, from, n) in runs {
        for (k, &bits) in delta[from..from + n].iter().enumerate() {
            let byte = first + k;
            for bit in 0..8 {
                if bits & (1 << bit) == 0 {
                    continue;
                }
                let i = byte * 8 + bit;
                if i >= len {
                    return Err(DeltaError::Overrun);
                }
                let x = *delta.get(at).ok_or(DeltaError::Truncated)?;
                at += 1;
                out[i] ^= x;
            }
        }
    }
    if at != delta.len() {
        return Err(DeltaError::Trailing(delta.len() - at));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(base: &[u8], target: &[u8]) -> Vec<u8> {
        let mut delta = Vec::new();
        encode(base, target, &mut delta);
        let mut back = Vec::new();
        apply(base, &delta, 1 << 20, &mut back).unwrap();
        assert_eq!(back, target);
        delta
    }

    #[test]
    fn vectors() {
        // Identical: the length and one run that keeps the whole mask zero.
        assert_eq!(round_trip(&[1, 2, 3, 4], &[1, 2, 3, 4]), vec![4, 1, 0]);
        // Empty target.
        assert_eq!(round_trip(&[1, 2], &[]), vec![0]);
        // One byte changed in the middle: mask bit 2, then 3 ^ 7.
        assert_eq!(
            round_trip(&[1, 2, 3, 4, 5, 6], &[1, 2, 7, 4, 5, 6]),
            vec![6, 0, 1, 0b100, 3 ^ 7]
        );
        // Two scattered changes: bits 0 and 3, then their bytes.
        assert_eq!(
            round_trip(&[0, 0, 0, 0, 0], &[9, 0, 0, 9, 0]),
            vec![5, 0, 1, 0b1001, 9, 9]
        );
        // Longer target than the baseline: the baseline reads as zeros past its end.
        assert_eq!(round_trip(&[5], &[5, 1, 2]), vec![3, 0, 1, 0b110, 1, 2]);
        // Shorter target.
        assert_eq!(round_trip(&[5, 6, 7], &[5]), vec![1, 1, 0]);
        // A long unchanged stretch is one skip of zero mask bytes.
        let base = vec![7u8; 200];
        let mut target = base.clone();
        target[190] = 8;
        // len 200 is the varint c8 01; mask byte 23 has bit 6; mask byte 24 is a run of its own.
        assert_eq!(
            round_trip(&base, &target),
            vec![0xc8, 1, 23, 1, 0b100_0000, 1, 0, 15]
        );
    }

    #[test]
    fn malformed_deltas_are_refused() {
        let base = [1u8, 2, 3];
        let mut out = Vec::new();
        let cases: &[(&[u8], DeltaError)] = &[
            (&[], DeltaError::Truncated),
            (&[3], DeltaError::Truncated),
            (&[3, 0, 4, 1, 2, 3, 4], DeltaError::Overrun),
            (&[3, 0, 1], DeltaError::Truncated),
            (&[3, 0, 1, 0b1], DeltaError::Truncated),
            (&[3, 0, 1, 0b1000, 1], DeltaError::Overrun),
            (&[3, 1, 0, 7], DeltaError::Trailing(1)),
            (&[3, 0, 1, 0b1, 7, 7], DeltaError::Trailing(1)),
            (&[3, 0, 0], DeltaError::Overrun),
            (&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01], DeltaError::BadVarint),
            (&[0xFF, 0xFF, 0xFF, 0xFF, 0x1F], DeltaError::BadVarint),
            (
                &[0x81, 0x80, 0x04],
                DeltaError::TooLarge {
                    len: 65_537,
                    limit: 65_536,
                },
            ),
        ];
        for (delta, want) in cases {
            assert_eq!(
                apply(&base, delta, 65_536, &mut out).as_ref(),
                Err(want),
                "{delta:?}"
            );
        }
    }
}
