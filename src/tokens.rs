//! Secrets and ids: join and host tokens are 128 bits from the OS-seeded CSPRNG, hex encoded.
//! Tokens never appear in logs: log match and session ids instead.

use rand::RngCore;

/// A fresh 128-bit secret as 32 lowercase hex characters.
pub fn new_token() -> String {
    random_hex::<16>()
}

/// A fresh match id: 48 random bits as 12 hex characters (ids are public, not secrets).
pub fn new_match_id() -> String {
    random_hex::<6>()
}

/// A fresh node id for a cluster member: 32 random bits as 8 hex characters, new each time a
/// process starts.
pub fn new_node_id() -> String {
    random_hex::<4>()
}

/// A seed for a match's game RNG.
pub fn new_seed() -> u64 {
    rand::rng().next_u64()
}

/// Compares two secrets in time independent of where they differ.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// `N` random bytes from the OS-seeded CSPRNG, as `2 N` lowercase hex characters.
fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tokens are 32 hex characters and do not repeat.
    #[test]
    fn tokens_are_long_and_distinct() {
        let a = new_token();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, new_token());
        assert!(secrets_equal(&a, &a.clone()));
        assert!(!secrets_equal(&a, &new_token()));
        assert!(!secrets_equal(&a, "short"));
    }
}
