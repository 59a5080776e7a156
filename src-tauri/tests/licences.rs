//! The About dialog's licences (`ui/src/licences.json`, written by `./dev licences`) name every
//! dependency that ships in the app: each crate the app's build links (from `cargo metadata`,
//! which reads `Cargo.lock` offline: normal dependencies, on every platform, as cargo-license
//! lists them) and each npm package the UI ships (`ui/package-lock.json`'s non-dev packages).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

type Listed = BTreeSet<(String, String)>;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn listed(licences: &Value, ecosystem: &str) -> Listed {
    licences[ecosystem]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let field = |name: &str| entry[name].as_str().unwrap().to_owned();
            (field("name"), field("version"))
        })
        .collect()
}

/// The crates the app links: its normal dependencies, transitively, but the workspace's own.
fn shipped_crates() -> Listed {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--offline", "--locked", "--format-version", "1"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages: HashMap<&str, &Value> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p))
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let workspace: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    let app = packages
        .iter()
        .find(|(_, p)| p["name"] == "chatenium-desktop")
        .map(|(id, _)| *id)
        .unwrap();
    let mut seen = BTreeSet::new();
    let mut queue = vec![app];
    while let Some(id) = queue.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dependency in nodes[id]["deps"].as_array().unwrap() {
            // `kind` null: a normal dependency (not dev, not build).
            let normal = dependency["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|kind| kind["kind"].is_null());
            if normal {
                queue.push(dependency["pkg"].as_str().unwrap());
            }
        }
    }
    seen.into_iter()
        .filter(|id| !workspace.contains(id))
        .map(|id| {
            let package = packages[id];
            let field = |name: &str| package[name].as_str().unwrap().to_owned();
            (field("name"), field("version"))
        })
        .collect()
}

/// The UI's packages that are not only for building or testing it.
fn shipped_npm_packages() -> Listed {
    let lock = read_json("ui/package-lock.json");
    lock["packages"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, entry)| !path.is_empty() && entry["dev"] != true)
        .map(|(path, entry)| {
            let name = path.rsplit("node_modules/").next().unwrap().to_owned();
            (name, entry["version"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn the_licences_name_every_crate_and_npm_package_that_ships() {
    let licences = read_json("ui/src/licences.json");
    let missing_crates: Vec<_> = shipped_crates()
        .difference(&listed(&licences, "rust"))
        .cloned()
        .collect();
    let missing_npm: Vec<_> = shipped_npm_packages()
        .difference(&listed(&licences, "npm"))
        .cloned()
        .collect();
    assert!(
        missing_crates.is_empty() && missing_npm.is_empty(),
        "ui/src/licences.json lacks crates {missing_crates:?} and npm packages {missing_npm:?}: \
         run ./dev licences"
    );
    // Every dependency the UI's manifest names for the app is among them.
    let manifest = read_json("ui/package.json");
    let npm = listed(&licences, "npm");
    for name in manifest["dependencies"].as_object().unwrap().keys() {
        assert!(
            npm.iter().any(|(listed, _)| listed == name),
            "ui/src/licences.json lacks {name}"
        );
    }
}
