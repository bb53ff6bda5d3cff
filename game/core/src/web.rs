//! A game's browser folder: the module the page loads to draw the game and read its controls
//! (`index.js`, whose default export is the game module, see docs/architecture.md), and whatever
//! it imports. The game crate embeds it at build time with [`web_folder!`]; the server serves it
//! at `/games/<name>/` and names it in `GET /api/games`, so a game's page needs nothing in
//! Arena's own `clients/web`.

use std::borrow::Cow;

/// A folder of files embedded in the game's crate (see [`web_folder!`]).
#[derive(Clone, Copy)]
pub struct WebFolder {
    get: fn(&str) -> Option<Cow<'static, [u8]>>,
    list: fn() -> Vec<String>,
}

impl std::fmt::Debug for WebFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.files()).finish()
    }
}

impl WebFolder {
    /// The folder a `rust_embed::RustEmbed` type holds (what [`web_folder!`] builds).
    pub fn embedded<E: rust_embed::RustEmbed>() -> Self {
        Self {
            get: |path| E::get(path).map(|file| file.data),
            list: || E::iter().map(Cow::into_owned).collect(),
        }
    }

    /// The bytes of `path` (relative, `/`-separated, e.g. `index.js`), if the folder has it.
    pub fn get(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        if !is_served(path) {
            return None;
        }
        (self.get)(path)
    }

    /// Every file's path, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut files = (self.list)();
        files.sort();
        files
    }
}

/// Embeds a folder of the calling crate (a path relative to its `Cargo.toml`) as a
/// [`WebFolder`], leaving out `test/`, `node_modules/`, `package.json`, `package-lock.json`,
/// `tsconfig.json` and `*.md`. Use it in [`crate::Game::web`]:
///
/// ```ignore
/// fn web() -> Option<arena_game::WebFolder> {
///     Some(arena_game::web_folder!("web"))
/// }
/// ```
///
/// In a release build the files are in the binary; in a debug build they are read from the
/// folder when asked for (rust-embed's behaviour), so a page edit needs no rebuild there.
#[macro_export]
macro_rules! web_folder {
    ($folder:literal) => {{
        #[derive($crate::rust_embed::Embed)]
        #[crate_path = "arena_game::rust_embed"]
        #[folder = $folder]
        #[exclude = "test/*"]
        #[exclude = "node_modules/*"]
        #[exclude = "package.json"]
        #[exclude = "package-lock.json"]
        #[exclude = "tsconfig.json"]
        #[exclude = "*.md"]
        struct Folder;
        $crate::web::WebFolder::embedded::<Folder>()
    }};
}

/// Whether a game folder's file at `path` (relative, `/`-separated) is served: never a path
/// with an empty, `.` or `..` part or a backslash (nothing outside the folder), and never what
/// [`web_folder!`] leaves out (`test/`, `node_modules/`, `package.json`, `package-lock.json`,
/// `tsconfig.json`, `*.md`), also when the folder is served from disk (`--game-web`).
pub fn is_served(path: &str) -> bool {
    if path
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == ".." || part.contains('\\'))
    {
        return false;
    }
    let first = path.split('/').next().unwrap_or("");
    !(first == "test"
        || first == "node_modules"
        || matches!(path, "package.json" | "package-lock.json" | "tsconfig.json")
        || path.ends_with(".md"))
}

/// The content type a file is served with, by its extension.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "wav" => "audio/wav",
        "ogg" => "audio/ogg",
        "mp3" => "audio/mpeg",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}
