//! A generic delta of one encoded snapshot against another: XOR against the baseline, then
//! zero-run encoding. It knows nothing of any game: it works on the bytes a game's view encoder
//! produced, so a game author writes no diff code.
//!
//! # Format
//! ```text
//! delta   = len:varint  run*            -- len: the target's length in bytes
//! run     = skip:varint  n:varint  byte{n}
//! ```
//! Varints are LEB128 (7 bits a byte, low first, at most 5 bytes for a `u32`). The baseline is
//! read as if zero-padded (or cut) to `len`. Starting at position 0, each run first keeps `skip`
//! bytes of the baseline as they are, then writes `n` bytes, each the baseline's byte XOR the
//! literal. Runs continue until the position reaches `len`; a delta that ends early, runs past
//! `len`, has bytes left over, or a varint longer than 5 bytes is malformed. An identical
//! snapshot of the same length is the one byte `len` plus one run `skip = len, n = 0`, or just
//! `len` when `len` is 0.
//!
//! The encoder ends a literal only at a run of at least [`MIN_ZERO_RUN`] unchanged bytes (a
//! shorter gap costs less inside the literal than a new run's two varints).

/// Unchanged bytes that end a literal in the encoder.
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
    /// A run goes past the target's length.
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
    put_varint(out, target.len());
    let changed = |i: usize| target[i] != base_at(base, i);
    let len = target.len();
    let mut pos = 0;
    while pos < len {
        let start = pos;
        while pos < len && !changed(pos) {
            pos += 1;
        }
        let skip = pos - start;
        // The literal runs until MIN_ZERO_RUN unchanged bytes in a row (or the end).
        let lit_start = pos;
        let mut lit_end = pos;
        let mut i = pos;
        while i < len {
            if changed(i) {
                i += 1;
                lit_end = i;
            } else {
                let mut j = i;
                while j < len && !changed(j) && j - i < MIN_ZERO_RUN {
                    j += 1;
                }
                if j - i >= MIN_ZERO_RUN || j == len {
                    break;
                }
                i = j;
            }
        }
        put_varint(out, skip);
        put_varint(out, lit_end - lit_start);
        out.extend((lit_start..lit_end).map(|k| target[k] ^ base_at(base, k)));
        pos = lit_end;
    }
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
    let mut pos = 0;
    while pos < len {
        let skip = get_varint(delta, &mut at)?;
        let n = get_varint(delta, &mut at)?;
        let end = pos
            .checked_add(skip)
            .and_then(|p| p.checked_add(n))
            .filter(|&e| e <= len)
            .ok_or(DeltaError::Overrun)?;
        pos += skip;
        let lit = delta.get(at..at + n).ok_or(DeltaError::Truncated)?;
        at += n;
        for (o, l) in out[pos..end].iter_mut().zip(lit) {
            *o ^= l;
        }
        pos = end;
        if skip == 0 && n == 0 {
            // A run that moves nothing can only repeat forever.
            return Err(DeltaError::Overrun);
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
        // Identical: the length and one run that keeps everything.
        assert_eq!(round_trip(&[1, 2, 3, 4], &[1, 2, 3, 4]), vec![4, 4, 0]);
        // Empty target.
        assert_eq!(round_trip(&[1, 2], &[]), vec![0]);
        // One byte changed in the middle: skip 2, one literal byte (3 ^ 7).
        assert_eq!(
            round_trip(&[1, 2, 3, 4, 5, 6], &[1, 2, 7, 4, 5, 6]),
            vec![6, 2, 1, 3 ^ 7, 3, 0]
        );
        // A gap of two unchanged bytes stays inside the literal.
        assert_eq!(
            round_trip(&[0, 0, 0, 0, 0], &[9, 0, 0, 9, 0]),
            vec![5, 0, 4, 9, 0, 0, 9, 1, 0]
        );
        // Longer target than the baseline: the baseline reads as zeros past its end.
        assert_eq!(round_trip(&[5], &[5, 1, 2]), vec![3, 1, 2, 1, 2]);
        // Shorter target.
        assert_eq!(round_trip(&[5, 6, 7], &[5]), vec![1, 1, 0]);
    }

    #[test]
    fn malformed_deltas_are_refused() {
        let base = [1u8, 2, 3];
        let mut out = Vec::new();
        let cases: &[(&[u8], DeltaError)] = &[
            (&[], DeltaError::Truncated),
            (&[3], DeltaError::Truncated),
            (&[3, 0, 4, 1, 2, 3, 4], DeltaError::Overrun),
            (&[3, 1, 2, 9], DeltaError::Truncated),
            (&[3, 3, 0, 7], DeltaError::Trailing(1)),
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
