//! `arena-load`: the lean load client benches/load.py runs against Arena, the Node ws peer and
//! Colyseus. Everything is in `src/load/` (see its module docs); this file only runs it.

#[path = "../load/mod.rs"]
mod load;

fn main() -> std::process::ExitCode {
    load::main()
}
