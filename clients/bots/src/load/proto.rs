//! What the load client reads from and writes to each target, byte by byte, without allocating:
//! Arena's envelope header (`arena.v3`, docs/protocol.md), the seed-style ws peer's snapshot
//! (benches/peers/ws-server.js) and the few Colyseus 0.18 messages it needs
//! (benches/peers/colyseus-server.js).

/// Arena's `ServerMsg` tags (a varint u32, one byte for these values).
pub mod arena_tag {
    pub const WELCOME: u8 = 0;
    pub const SNAPSHOT: u8 = 2;
    pub const ERROR: u8 = 3;
    pub const DELTA: u8 = 7;
}

/// Reads one bincode-standard varint of at most `max_marker` width (251: u16, 252: u32, 253:
/// u64) at `*at`, advancing it. `None` when truncated or when the marker is wider than the type.
#[inline]
fn varint(b: &[u8], at: &mut usize, max_marker: u8) -> Option<u64> {
    let first = *b.get(*at)?;
    *at += 1;
    let width = match first {
        0..=250 => return Some(first as u64),
        251 => 2,
        252 => 4,
        253 => 8,
        _ => return None,
    };
    if first > max_marker {
        return None;
    }
    let bytes = b.get(*at..*at + width)?;
    *at += width;
    let mut v = [0u8; 8];
    v[..width].copy_from_slice(bytes);
    Some(u64::from_le_bytes(v))
}

/// What the load client needs of an Arena snapshot: its tick, its stamp and this seat's ack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArenaSnapshot {
    /// Tick number.
    pub tick: u32,
    /// The server's wall clock when it encoded the snapshot, Unix µs.
    pub server_time_us: u64,
    /// The newest applied input `seq` of this session's player, when the snapshot carries one.
    pub ack: Option<u16>,
}

/// The stamps of the snapshots a session received in the last
/// [`arena_game::protocol::DELTA_WINDOW`] ticks, by tick: a delta carries its time as an offset
/// from its baseline's.
#[derive(Clone)]
pub struct Stamps([(u32, u64); DELTA_WINDOW]);

const DELTA_WINDOW: usize = arena_game::protocol::DELTA_WINDOW as usize;

impl Default for Stamps {
    fn default() -> Self {
        // A tick that never matches slot 0 (u32::MAX % 32 = 31).
        Stamps([(u32::MAX, 0); DELTA_WINDOW])
    }
}

impl Stamps {
    fn get(&self, tick: u32) -> Option<u64> {
        let (t, time) = self.0[tick as usize % DELTA_WINDOW];
        (t == tick).then_some(time)
    }

    fn put(&mut self, tick: u32, time: u64) {
        self.0[tick as usize % DELTA_WINDOW] = (tick, time);
    }
}

/// Skips a `Payload` (varint length, bytes) and reads the recipient's `ack` after it, which must
/// end the message.
#[inline]
fn view_and_ack(msg: &[u8], at: &mut usize) -> Option<Option<u16>> {
    let len = varint(msg, at, 253)? as usize;
    *at = at.checked_add(len)?;
    let ack = match *msg.get(*at)? {
        0 => {
            *at += 1;
            None
        }
        1 => {
            let b = msg.get(*at + 1..*at + 3)?;
            *at += 3;
            Some(u16::from_le_bytes([b[0], b[1]]))
        }
        _ => return None,
    };
    (*at == msg.len()).then_some(ack)
}

/// Reads an Arena `Snapshot` or `Delta` (tag, tick, its time, the recipient's ack) without
/// decoding or rebuilding the game's view, and notes its stamp in `stamps`. `None` for any other
/// message, a malformed one, or a delta whose baseline is not in `stamps`. The full decode
/// (`arena_game::codec`) allocates the view; this does not, and the tests below hold it to the
/// codec.
#[inline]
pub fn arena_snapshot(msg: &[u8], stamps: &mut Stamps) -> Option<ArenaSnapshot> {
    let mut at = 1;
    let (tick, server_time_us) = match *msg.first()? {
        arena_tag::SNAPSHOT => {
            let tick = varint(msg, &mut at, 252)? as u32;
            let time = varint(msg, &mut at, 253)?;
            let _phase = varint(msg, &mut at, 252)?;
            (tick, time)
        }
        arena_tag::DELTA => {
            let tick = varint(msg, &mut at, 252)? as u32;
            let back = varint(msg, &mut at, 252)? as u32;
            let since = varint(msg, &mut at, 252)?;
            let _phase = varint(msg, &mut at, 252)?;
            match *msg.get(at)? {
                0 => at += 1,
                1 => {
                    at += 1;
                    varint(msg, &mut at, 252)?;
                }
                _ => return None,
            }
            let base = stamps.get(tick.wrapping_sub(back))?;
            (tick, base.saturating_add(since))
        }
        _ => return None,
    };
    let ack = view_and_ack(msg, &mut at)?;
    stamps.put(tick, server_time_us);
    Some(ArenaSnapshot {
        tick,
        server_time_us,
        ack,
    })
}

/// Writes an Arena `ClientMsg::Input { seq, input }` carrying `game`'s input into `out`
/// (at least 16 bytes) and returns its length. The payload is a plausible input that changes
/// with `tick` so players move: deathmatch `buttons u8 · aim u8`, ctf `target_x fixed_u16 ·
/// target_y fixed_u16 · actions u8` (docs/protocol.md, part B).
pub fn arena_input(out: &mut [u8], game: ArenaGame, seq: u16, tick: u32, seat: u8) -> usize {
    out[0] = 0; // tag 0 = Input
    out[1..3].copy_from_slice(&seq.to_le_bytes());
    let phase = tick / 40 + seat as u32;
    match game {
        ArenaGame::Deathmatch => {
            const DIRS: [u8; 4] = [1, 8, 2, 4]; // up, right, down, left
            let mut buttons = DIRS[(phase % 4) as usize];
            if tick.is_multiple_of(10) {
                buttons |= 16; // attack
            }
            out[3] = 2;
            out[4] = buttons;
            out[5] = (tick.wrapping_mul(3) ^ seat as u32) as u8;
            6
        }
        ArenaGame::Ctf => {
            // Targets in world units × 16 on a 2000 × 1000 field.
            let x = ((phase * 397) % 1900 + 50) as u16 * 16;
            let y = ((phase * 211) % 900 + 50) as u16 * 16;
            out[3] = 5;
            out[4..6].copy_from_slice(&x.to_le_bytes());
            out[6..8].copy_from_slice(&y.to_le_bytes());
            out[8] = 1 | 2; // move, tag
            9
        }
    }
}

/// The games whose inputs the load client can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArenaGame {
    Deathmatch,
    Ctf,
}

/// The ws peer's snapshot header: `u32 tick · f64 send time (Unix µs)`, then 18 bytes per
/// player starting with its `u32 id`. Returns (tick, time µs, first player's id).
#[inline]
pub fn peer_snapshot(msg: &[u8]) -> Option<(u32, u64, Option<u32>)> {
    let head = msg.get(..12)?;
    let tick = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let mut t = [0u8; 8];
    t.copy_from_slice(&head[4..12]);
    let time = f64::from_le_bytes(t);
    if !(time.is_finite() && time > 0.0) {
        return None;
    }
    let first = msg
        .get(12..16)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    Some((tick, time as u64, first))
}

/// Colyseus 0.18 protocol codes (`@colyseus/shared-types` `Protocol`), the first byte of every
/// message (its top three bits are modifiers, unused by this room).
pub mod colyseus {
    pub const JOIN_ROOM: u8 = 10;
    pub const ERROR: u8 = 11;
    pub const ROOM_DATA: u8 = 13;
    pub const ROOM_STATE_PATCH: u8 = 15;
    pub const CODE_MASK: u8 = 31;
}

/// Reads `serverTime` (float64, Unix µs) and `tick` (uint32) from a Colyseus state patch of the
/// benchmark's room, whose root schema has them as fields 0 and 1. Not a schema decoder: it
/// finds the root's section by its bytes. @colyseus/schema 5 writes a section as
/// `SWITCH_TO_STRUCTURE (255) · refId`, except the root's at the very start, and a primitive
/// field change as `operation | field index` then the value (ADD = 128 for these). The patch is
/// `15 · [255 0] · 128 · f64 LE · 129 · u32 LE · …`: the root's changes come first in a patch
/// that also adds players, last in a steady tick. Returns (tick, server time µs).
#[inline]
pub fn colyseus_patch_time(msg: &[u8]) -> Option<(u32, u64)> {
    let field = |b: u8, idx: u8| b & 0x3F == idx && b & 0x40 == 0;
    let read = |at: usize| -> Option<(u32, u64)> {
        let s = msg.get(at..at + 14)?;
        if !field(s[0], 0) || !field(s[9], 1) {
            return None;
        }
        let mut t = [0u8; 8];
        t.copy_from_slice(&s[1..9]);
        let time = f64::from_le_bytes(t);
        // Between 2001 and 2286: anything else is not our field.
        if !(1e15..1e16).contains(&time) {
            return None;
        }
        Some((
            u32::from_le_bytes([s[10], s[11], s[12], s[13]]),
            time as u64,
        ))
    };
    if msg.first()? & colyseus::CODE_MASK != colyseus::ROOM_STATE_PATCH {
        return None;
    }
    let n = msg.len();
    // Steady state: the root's section closes the patch.
    if n >= 17 && msg[n - 16] == 255 && msg[n - 15] == 0 {
        if let Some(v) = read(n - 14) {
            return Some(v);
        }
    }
    // The root first, without a switch.
    if let Some(v) = read(1) {
        return Some(v);
    }
    // Anywhere else: scan for the switch to refId 0.
    (1..n.saturating_sub(15))
        .filter(|&i| msg[i] == 255 && msg[i + 1] == 0)
        .find_map(|i| read(i + 2))
}

/// A Colyseus `ROOM_DATA` message of type 1 (the room's input handler) carrying `dir` as a
/// msgpack positive fixint: `13 · 1 · dir`.
#[inline]
pub fn colyseus_input(dir: u8) -> [u8; 3] {
    [colyseus::ROOM_DATA, 1, dir & 0x0F]
}

#[cfg(test)]
mod tests {
    use super::*;
    use arena_game::codec;
    use arena_game::protocol::{ClientMsg, Delta, Payload, Phase, ServerMsg, Snapshot};

    fn snap(tick: u32, time: u64, ack: Option<u16>, view: usize) -> Vec<u8> {
        codec::encode(&ServerMsg::Snapshot(Snapshot {
            tick,
            server_time_us: time,
            phase: Phase::Running,
            view: Payload(vec![7; view]),
            ack,
        }))
        .unwrap()
    }

    fn delta(tick: u32, back: u32, since_us: u32, check: Option<u32>, ack: Option<u16>) -> Vec<u8> {
        codec::encode(&ServerMsg::Delta(Delta {
            tick,
            back,
            since_us,
            phase: Phase::Running,
            check,
            view: Payload(vec![3; 300]),
            ack,
        }))
        .unwrap()
    }

    /// The header reader agrees with the codec on every varint width, on deltas' times and on
    /// the ack.
    #[test]
    fn arena_header_matches_the_codec() {
        for (tick, time) in [
            (0u32, 0u64),
            (250, 250),
            (251, 65_535),
            (70_000, 1_764_000_000_123_456),
            (u32::MAX - 40, u64::MAX / 2),
        ] {
            let mut stamps = Stamps::default();
            for ack in [None, Some(65_535)] {
                let bytes = snap(tick, time, ack, 120);
                let ServerMsg::Snapshot(full) = codec::decode::<ServerMsg>(&bytes).unwrap() else {
                    panic!("not a snapshot")
                };
                let h = arena_snapshot(&bytes, &mut stamps).unwrap();
                assert_eq!(
                    (h.tick, h.server_time_us, h.ack),
                    (full.tick, full.server_time_us, ack)
                );
            }
            for (back, since, check) in [
                (1, 50_000, None),
                (3, 250, Some(u32::MAX)),
                (1, 70_000, Some(5)),
            ] {
                let base = tick;
                let bytes = delta(base + back, back, since, check, Some(4));
                let h = arena_snapshot(&bytes, &mut stamps).unwrap();
                assert_eq!(
                    (h.tick, h.server_time_us, h.ack),
                    (base + back, time + u64::from(since), Some(4))
                );
                stamps.put(base, time);
            }
            // A delta against a stamp this session never got is not read.
            assert_eq!(
                arena_snapshot(&delta(tick + 20, 9, 1, None, None), &mut stamps),
                None
            );
        }
        let mut stamps = Stamps::default();
        // Other messages and truncated headers are not snapshots.
        let ping = codec::encode(&ServerMsg::Pong {
            client_time_us: 1,
            server_time_us: 2,
        })
        .unwrap();
        assert_eq!(arena_snapshot(&ping, &mut stamps), None);
        let bytes = snap(300, 1_764_000_000_123_456, Some(1), 0);
        for cut in 0..bytes.len() {
            assert_eq!(arena_snapshot(&bytes[..cut], &mut stamps), None, "{cut}");
        }
        // A marker wider than the type is refused, like the codec does.
        assert_eq!(
            arena_snapshot(&[2, 253, 0, 0, 0, 0, 0, 0, 0, 0], &mut stamps),
            None
        );
    }

    /// The documented example: Input { seq: 300, input: [11 c8] } is `00 2c 01 02 11 c8`, and
    /// the input writer produces what the codec produces for its payloads.
    #[test]
    fn arena_inputs_match_the_codec() {
        let doc = codec::encode(&ClientMsg::Input {
            seq: 300,
            input: Payload(vec![0x11, 0xc8]),
        })
        .unwrap();
        assert_eq!(doc, [0x00, 0x2c, 0x01, 0x02, 0x11, 0xc8]);
        let mut out = [0u8; 16];
        for game in [ArenaGame::Deathmatch, ArenaGame::Ctf] {
            for (seq, tick, seat) in [(0u16, 0u32, 0u8), (300, 10, 3), (65_535, 123_457, 9)] {
                let n = arena_input(&mut out, game, seq, tick, seat);
                let msg = codec::decode::<ClientMsg>(&out[..n]).unwrap();
                let ClientMsg::Input { seq: s, input } = msg else {
                    panic!("not an input")
                };
                assert_eq!(s, seq);
                assert_eq!(input.0.len(), if game == ArenaGame::Ctf { 5 } else { 2 });
            }
        }
    }

    /// The ws peer's header: tick, microseconds as f64, the first player's id.
    #[test]
    fn peer_header() {
        let mut m = Vec::new();
        m.extend_from_slice(&7u32.to_le_bytes());
        m.extend_from_slice(&1_764_000_000_123_456f64.to_le_bytes());
        m.extend_from_slice(&42u32.to_le_bytes());
        m.extend_from_slice(&[0; 14]);
        assert_eq!(
            peer_snapshot(&m),
            Some((7, 1_764_000_000_123_456, Some(42)))
        );
        assert_eq!(
            peer_snapshot(&m[..12]),
            Some((7, 1_764_000_000_123_456, None))
        );
        assert_eq!(peer_snapshot(&m[..11]), None);
    }

    /// Patches captured from the benchmark's Colyseus room (two players): the first after the
    /// join (root first), a steady one (root last), and one with the root in the middle.
    #[test]
    fn colyseus_patches() {
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let time = f64::from_le_bytes([0xbe, 0x2b, 0x3d, 0xcb, 0x4b, 0x86, 0x19, 0x43]) as u64;
        let steady = hex(
            "0fff02805c9d9e44818e400944ff03808ca5ba44816c451744ff0080be2b3dcb4b86194381\
             07000000",
        );
        assert_eq!(colyseus_patch_time(&steady), Some((7, time)));
        let first = hex("0f80be2b3dcb4b861943810100000082\
             01ff018000a9416c6a3954544f7348028001a9434b4d79734e53463003");
        assert_eq!(colyseus_patch_time(&first), Some((1, time)));
        let middle = hex("0fff02805c9d9e44ff0080be2b3dcb4b8619438102000000ff03808ca5ba44");
        assert_eq!(colyseus_patch_time(&middle), Some((2, time)));
        // No root section: no time.
        assert_eq!(colyseus_patch_time(&hex("0fff02805c9d9e44")), None);
        // Not a patch.
        assert_eq!(
            colyseus_patch_time(&hex("0e80be2b3dcb4b8619438101000000")),
            None
        );
        assert_eq!(colyseus_input(9), [13, 1, 9]);
    }
}
