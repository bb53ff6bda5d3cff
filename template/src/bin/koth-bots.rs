//! Bots that play king of the hill against a server: every `arena-bots` flag (`--help`).

fn main() -> std::process::ExitCode {
    arena_bots::cli::main(arena_game::GameRegistry::new().with::<koth::Koth>())
}
