//! The games Arena ships, as one [`GameRegistry`]: `deathmatch` (the default) and `ctf`.
//! The server's `main` and the bot swarm take their games from here; the server library never
//! names a game.

use arena_game::GameRegistry;

/// Every built-in game, `deathmatch` first (the default for a match created without `game`).
pub fn builtin() -> GameRegistry {
    GameRegistry::new()
        .with::<arena_deathmatch::Deathmatch>()
        .with::<arena_ctf::Ctf>()
}
