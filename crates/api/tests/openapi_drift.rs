//! The committed `openapi.json` must be exactly what the code generates, and the document must
//! describe the whole index: 97 operations tagged by its groups and every one of its 82 schemas,
//! and the call-signaling extension's rows after them.
//! Regenerate with `cargo run -p chatenium-api --example write-openapi`.

use std::collections::BTreeSet;

use serde_json::Value;

fn generated() -> Value {
    chatenium_api::openapi::document()
}

#[test]
fn the_committed_document_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == chatenium_api::openapi::document_text(),
        "{} is stale: regenerate it with `cargo run -p chatenium-api --example write-openapi`",
        path.display()
    );
}

#[test]
fn it_lists_97_operations_each_tagged_by_its_index_group() {
    let document = generated();
    let tags: BTreeSet<&str> = document["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| tag["name"].as_str().unwrap())
        .collect();
    let mut rows = BTreeSet::new();
    let mut extensions = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let tag = operation["tags"][0].as_str().unwrap();
            assert!(
                tags.contains(tag),
                "{method} {path} has an unknown tag {tag}"
            );
            if operation["x-extension"] == true {
                extensions.insert(operation["operationId"].as_str().unwrap());
            } else {
                rows.insert(operation["x-index-row"].as_u64().unwrap());
            }
        }
    }
    // The index's 97 rows and the four call-signaling rows that extend it.
    assert_eq!(rows, (1..=101).collect::<BTreeSet<u64>>());
    // The extensions without a row (`chatenium_api::extensions`).
    assert_eq!(
        extensions,
        BTreeSet::from(["DmForwardMessage", "GetChanges", "TmForwardMessage"])
    );
}

#[test]
fn every_schema_the_index_names_is_a_component() {
    let document = generated();
    let components = document["components"]["schemas"].as_object().unwrap();
    let missing: Vec<&str> = chatenium_api::schemas::INDEX_SCHEMAS
        .iter()
        .copied()
        .filter(|name| !components.contains_key(*name))
        .collect();
    assert!(
        missing.is_empty(),
        "schemas of the index missing from the document: {missing:?}"
    );
    assert_eq!(
        BTreeSet::from(chatenium_api::schemas::INDEX_SCHEMAS).len(),
        82
    );
}

#[test]
fn every_reference_resolves() {
    fn walk<'a>(value: &'a Value, refs: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    refs.push(target);
                }
                map.values().for_each(|v| walk(v, refs));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, refs)),
            _ => {}
        }
    }
    let document = generated();
    let mut refs = Vec::new();
    walk(&document, &mut refs);
    assert!(refs.len() > 100);
    for target in refs {
        let pointer = target.strip_prefix('#').unwrap_or(target);
        assert!(
            document.pointer(pointer).is_some(),
            "dangling $ref {target}"
        );
    }
}
