//! Embeds the browser client (clients/web) into the server binary, so `cargo run --release` is
//! all a user needs. Writes `$OUT_DIR/web_assets.rs`: a slice of (url path, bytes, content type).

use std::fs;
use std::path::{Path, PathBuf};

/// Folders and files of clients/web that are not served (TypeScript sources and declarations,
/// `*.ts`, are left out too: a browser never asks for them).
const SKIP: &[&str] = &[
    "test",
    "e2e",
    "node_modules",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
];

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if SKIP.contains(&name.as_str())
            || name.starts_with('.')
            || name.ends_with(".md")
            || name.ends_with(".ts")
        {
            continue;
        }
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/web");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut code = String::from("&[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        code.push_str(&format!(
            "    ({:?}, include_bytes!({:?}) as &[u8], {:?}),\n",
            format!("/{rel}"),
            f.display().to_string(),
            content_type(f)
        ));
    }
    code.push_str("]\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("web_assets.rs");
    fs::write(out, code).unwrap();
}
