//! `arena-bots`: the bot swarm CLI for Arena's built-in games (deathmatch, ctf). Every flag is
//! in [`arena_bots::cli`], which a game's own bots binary calls with its own registry.

fn main() -> std::process::ExitCode {
    arena_bots::cli::main(arena_catalog::builtin())
}
