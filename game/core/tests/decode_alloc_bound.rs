//! Memory bound of the one codec: a counting `#[global_allocator]` measures the peak of live heap
//! bytes that one `decode` call reaches, on random bytes, mutated messages and length bombs.
//!
//! The contract (codec.rs): a message may claim at most `DECODE_LIMIT_BYTES` of allocations, for
//! `ClientMsg` (everything the server decodes from a socket) and `ServerMsg` (what the bots
//! decode). Each game's payloads are held to the same bound by its own tests
//! (`arena_game::game_tests!`, with `arena_game::testing::CountingAllocator`). `ServerMsg` once broke it: bincode 2 does not charge serde sequence lengths against
//! the limit and serde's `Vec` preallocated up to 1 MiB from a claimed length; the vectors now
//! decode through `bounded_vec` (protocol.rs). See docs/fuzzing.md, finding 1.
//!
//! Counters are per thread, so tests running in parallel do not see each other's allocations.

use arena_game::alloc_count::{peak_during, CountingAllocator};
use arena_game::codec::{decode, encode, DECODE_LIMIT_BYTES, MAX_MESSAGE_BYTES};
use arena_game::protocol::{ClientMsg, Payload, RosterEntry, ScoreLine, ServerMsg, Snapshot};
use serde::de::DeserializeOwned;

/// Allocator overhead a decode may add on top of the claimed bytes: the error string of a
/// `Malformed` result and small temporaries. Generous next to 64 KiB, tiny next to a real bomb.
const SLACK_BYTES: usize = 4 * 1024;

/// Random inputs per decoder and test; a few thousand keeps the test well under a second.
/// `PROPTEST_CASES` (the knob `.ci/fuzz.sh` turns for the property tests) raises it.
fn random_cases() -> usize {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(4_000, |n: usize| n.max(4_000))
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Peak heap bytes above the starting level while `decode::<T>(bytes)` runs (result dropped).
fn decode_peak<T: DeserializeOwned>(bytes: &[u8]) -> usize {
    peak_during(|| decode::<T>(bytes))
}

/// A small deterministic PRNG (xorshift64*), so a failure names a reproducible case number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// `prefix`, then `claim` as a bincode varint u64 (marker 253), then `tail`.
fn bomb(prefix: &[u8], claim: u64, tail: &[u8]) -> Vec<u8> {
    let mut bytes = prefix.to_vec();
    bytes.push(253);
    bytes.extend_from_slice(&claim.to_le_bytes());
    bytes.extend_from_slice(tail);
    bytes
}

/// Claimed lengths: just over the limit, at the limit, and absurd.
const CLAIMS: &[u64] = &[
    DECODE_LIMIT_BYTES as u64,
    DECODE_LIMIT_BYTES as u64 + 1,
    1 << 20,
    1 << 32,
    1 << 40,
    u64::MAX,
];

/// Every length site of ClientMsg (the chat string, the input payload) and some noise inputs.
fn client_inputs() -> Vec<Vec<u8>> {
    let mut inputs: Vec<Vec<u8>> = CLAIMS
        .iter()
        .flat_map(|&c| [bomb(&[2], c, b"xy"), bomb(&[0, 1, 0], c, b"xy")])
        .collect();
    let valid = [
        encode(&ClientMsg::Chat("x".repeat(200))).unwrap(),
        encode(&ClientMsg::Input {
            seq: 1,
            input: Payload(vec![0; 5]),
        })
        .unwrap(),
        encode(&ClientMsg::Ping { client_time_us: 7 }).unwrap(),
    ];
    let mut rng = Rng(0x5eed_c11e);
    for _ in 0..random_cases() {
        inputs.push(noise_or_mutation(&mut rng, &valid));
    }
    // Largest honest claim: a chat string of exactly the limit, with the bytes present.
    let mut big = vec![2u8, 251];
    big.extend_from_slice(&(u16::MAX).to_le_bytes());
    big.extend(std::iter::repeat_n(b'a', u16::MAX as usize));
    inputs.push(big[..MAX_MESSAGE_BYTES.min(big.len())].to_vec());
    inputs
}

/// Every length site of ServerMsg (strings and vectors) and some noise inputs.
fn server_inputs() -> Vec<Vec<u8>> {
    let sites: &[&[u8]] = &[
        &[0, 2],
        &[0, 2, 0],
        &[0, 2, 0, 0, 0, 0],
        &[0, 2, 0, 0, 0, 0, 0, 8, 20],
        &[1],
        &[1, 1, 0],
        &[2, 0, 0, 0],
        &[7, 0, 0, 0, 0, 0],
        &[3],
        &[3, 0],
        &[5, 0],
        &[5, 0, 0],
        &[6, 0],
        &[6, 0, 1, 0],
        &[6, 0, 1, 0, 0, 0, 0],
    ];
    let mut inputs: Vec<Vec<u8>> = sites
        .iter()
        .flat_map(|site| CLAIMS.iter().map(move |&c| bomb(site, c, &[0, 0])))
        .collect();
    let valid = [
        encode(&ServerMsg::Snapshot(Snapshot {
            view: Payload(vec![7; 700]),
            ack: Some(3),
            ..Snapshot::default()
        }))
        .unwrap(),
        encode(&ServerMsg::Roster(vec![
            RosterEntry {
                id: 1,
                name: "zoë".into(),
                connected: true,
                bot: false,
            };
            8
        ]))
        .unwrap(),
        encode(&ServerMsg::MatchEnded {
            reason: arena_game::protocol::EndReason::Host,
            scoreboard: vec![
                ScoreLine {
                    id: 0,
                    name: "a".into(),
                    team: Some(1),
                    score: 3,
                    stats: vec![3, 1],
                };
                8
            ],
        })
        .unwrap(),
    ];
    let mut rng = Rng(0x5eed_5e4e);
    for _ in 0..random_cases() {
        inputs.push(noise_or_mutation(&mut rng, &valid));
    }
    inputs
}

/// Random bytes, or a valid encoding with a few bytes overwritten (often with varint markers).
fn noise_or_mutation(rng: &mut Rng, valid: &[Vec<u8>]) -> Vec<u8> {
    if rng.below(2) == 0 {
        let len = rng.below(64);
        return rng.bytes(len);
    }
    let mut bytes = valid[rng.below(valid.len())].clone();
    for _ in 0..=rng.below(3) {
        let at = rng.below(bytes.len());
        bytes[at] = match rng.below(3) {
            0 => 251 + rng.below(5) as u8,
            _ => rng.next() as u8,
        };
    }
    bytes
}

/// Largest peak over `inputs`, with the input that reached it.
fn worst<T: DeserializeOwned>(inputs: &[Vec<u8>]) -> (usize, Vec<u8>) {
    // The first input reaching the peak, so a crafted bomb wins over random noise.
    let mut worst = (0, Vec::new());
    for input in inputs {
        let peak = decode_peak::<T>(input);
        if peak > worst.0 {
            worst = (peak, input.clone());
        }
    }
    worst
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().take(24).map(|b| format!("{b:02x}")).collect()
}

/// The counter works: decoding a bomb-free 200-byte chat line shows up as a few hundred bytes.
#[test]
fn counter_sees_decode_allocations() {
    let bytes = encode(&ClientMsg::Chat("x".repeat(200))).unwrap();
    let peak = decode_peak::<ClientMsg>(&bytes);
    assert!((200..SLACK_BYTES).contains(&peak), "peak {peak}");
}

/// No input a client can send makes `decode::<ClientMsg>` hold more than the decode limit (plus
/// slack) at once: length bombs are refused before their buffer is allocated.
#[test]
fn client_decode_peak_is_within_the_decode_limit() {
    let (peak, input) = worst::<ClientMsg>(&client_inputs());
    assert!(
        peak <= DECODE_LIMIT_BYTES + SLACK_BYTES,
        "decode::<ClientMsg> peaked at {peak} bytes on {} ({} bytes)",
        hex(&input),
        input.len()
    );
}

/// The codec's stated contract for server messages: even the 12-byte Roster
/// `01 fd 0000000000010000 00 00`, claiming 2^40 entries, stays within the decode limit (the
/// vectors grow with the elements decoded, not with the claimed length).
#[test]
fn server_decode_peak_is_within_the_decode_limit() {
    let roster_bomb = bomb(&[1], 1 << 40, &[0, 0]);
    let peak = decode_peak::<ServerMsg>(&roster_bomb);
    assert!(
        peak <= DECODE_LIMIT_BYTES + SLACK_BYTES,
        "decode::<ServerMsg> peaked at {peak} bytes on {}",
        hex(&roster_bomb)
    );
    let (peak, input) = worst::<ServerMsg>(&server_inputs());
    assert!(
        peak <= DECODE_LIMIT_BYTES + SLACK_BYTES,
        "decode::<ServerMsg> peaked at {peak} bytes on {} ({} bytes)",
        hex(&input),
        input.len()
    );
}
