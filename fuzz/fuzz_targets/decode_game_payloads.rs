//! libFuzzer target: every game's payloads, for each game of the registry (Arena's own are the
//! built-in games; a game's own fuzz crate writes the same target with its own registry). A
//! match decodes its game's input from every player's `Input` message; the bots decode views and
//! facts. Must never panic; whatever decodes must re-encode canonically (never longer than the
//! input) and decode again to the same bytes.
#![no_main]

use std::sync::OnceLock;

use arena_game::codec::{DecodeError, MAX_MESSAGE_BYTES};
use arena_game::{GameRegistry, PayloadKind};
use libfuzzer_sys::fuzz_target;

fn games() -> &'static GameRegistry {
    static GAMES: OnceLock<GameRegistry> = OnceLock::new();
    GAMES.get_or_init(arena_catalog::builtin)
}

fuzz_target!(|data: &[u8]| {
    for name in games().names() {
        let game = games().get(&name).expect("listed");
        for kind in PayloadKind::ALL {
            match game.reencode(kind, data, MAX_MESSAGE_BYTES) {
                Ok(canonical) => {
                    assert!(canonical.len() <= data.len());
                    let again = game
                        .reencode(kind, &canonical, MAX_MESSAGE_BYTES)
                        .expect("canonical bytes decode");
                    assert_eq!(again, canonical);
                }
                Err(DecodeError::TrailingBytes(n)) => {
                    assert!(game
                        .reencode(kind, &data[..data.len() - n], MAX_MESSAGE_BYTES)
                        .is_ok());
                }
                Err(_) => {}
            }
        }
    }
});
