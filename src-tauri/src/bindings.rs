//! The single list of commands and events. `builder()` hands Tauri its invoke handler and is
//! also what generates `ui/src/bindings.ts`, so the UI's types cannot drift from Rust's.

use tauri_specta::{collect_commands, Builder};

use crate::commands;

pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new().commands(collect_commands![commands::app_info])
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use specta_typescript::Typescript;

    use super::*;

    /// Where the generated TypeScript lives, relative to the repository root.
    const TYPESCRIPT_BINDINGS: &str = "ui/src/bindings.ts";

    fn typescript_exporter() -> Typescript {
        Typescript::default().header("// Generated from Rust by src-tauri/src/bindings.rs. Do not edit.\n// Regenerate: CHATENIUM_UPDATE_BINDINGS=1 cargo test --bin chatenium-desktop bindings\n")
    }

    /// Fails when the committed TypeScript and the Rust commands disagree. With
    /// `CHATENIUM_UPDATE_BINDINGS=1` it rewrites the committed file instead.
    #[test]
    fn typescript_bindings_match_the_rust_commands() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let committed_path = root.join(TYPESCRIPT_BINDINGS);
        let fresh_path: PathBuf =
            std::env::temp_dir().join(format!("chatenium-bindings-{}.ts", std::process::id()));
        builder()
            .export(typescript_exporter(), &fresh_path)
            .expect("export TypeScript bindings");
        let fresh = std::fs::read_to_string(&fresh_path).expect("read fresh bindings");
        let _ = std::fs::remove_file(&fresh_path);

        if std::env::var_os("CHATENIUM_UPDATE_BINDINGS").is_some() {
            std::fs::write(&committed_path, &fresh).expect("write bindings");
            return;
        }
        let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{TYPESCRIPT_BINDINGS} is out of date with the Rust commands; regenerate it with \
             CHATENIUM_UPDATE_BINDINGS=1 cargo test --bin chatenium-desktop bindings"
        );
    }
}
