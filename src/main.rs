//! `arena`: Arena's own server, hosting the built-in games (deathmatch, ctf) with the command
//! line every Arena server shares (`arena::cli`: every flag, logging, signals, graceful stop).

fn main() -> std::process::ExitCode {
    arena::cli::main(arena_catalog::builtin())
}
