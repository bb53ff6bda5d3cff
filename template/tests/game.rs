//! The checks every Arena game runs: registration (settings specs against the settings type),
//! wire vectors for `web/` (its JS tests read `web/test/wire.json`), decoder fuzzing and
//! allocation bounds, replays byte for byte, a match of the bots. One line.

arena_game::game_tests!(koth::Koth);
