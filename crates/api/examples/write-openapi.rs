//! Writes the generated OpenAPI document to `crates/api/openapi.json`:
//! `cargo run -p chatenium-api --example write-openapi`.

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if let Err(error) = std::fs::write(&path, chatenium_api::openapi::document_text()) {
        eprintln!("cannot write {}: {error}", path.display());
        std::process::exit(1);
    }
    println!("wrote {}", path.display());
}
