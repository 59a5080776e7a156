// The root Cargo.toml is the app's package, so paths here are relative to the repository root.
// Every app command is declared in the app manifest: Tauri then generates an `allow-<command>`
// permission for each, and a window may call only what its capability file grants.
include!("command_names.rs");

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/command_names.rs");
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(manifest);
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
