//! The king of the hill server: Arena's whole command line (`--help`), hosting this game.

fn main() -> std::process::ExitCode {
    arena::cli::main(arena_game::GameRegistry::new().with::<koth::Koth>())
}
