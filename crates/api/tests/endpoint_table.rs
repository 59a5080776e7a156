//! The endpoint table against the index it implements (`docs/chatenium-api-index.md`): the same
//! rows, groups and titles, and a unique method and path for each.

use std::collections::BTreeSet;

use chatenium_api::{Auth, Method, Payload, ENDPOINTS};

/// (row, group, title) of each row of the index's table.
fn index_rows() -> Vec<(u8, String, String)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/chatenium-api-index.md"
    );
    rows_of(path)
}

/// The rows of a document's endpoint table: lines `| number | group | title | ...`.
fn rows_of(path: &str) -> Vec<(u8, String, String)> {
    let text = std::fs::read_to_string(path).expect("the document is in docs/");
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let number = cells.get(1)?.parse().ok()?;
            Some((number, cells[2].to_owned(), cells[3].to_owned()))
        })
        .collect()
}

/// (row, group, title) of each row the call-signaling extension adds after the index's.
fn extension_rows() -> Vec<(u8, String, String)> {
    rows_of(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/call-signaling.md"
    ))
}

#[test]
fn the_table_has_the_indexs_rows_in_its_order() {
    let rows = index_rows();
    assert_eq!(rows.len(), 97);
    assert_eq!(ENDPOINTS.len(), 97 + extension_rows().len());
    for (endpoint, (number, group, title)) in ENDPOINTS[..97].iter().zip(&rows) {
        assert_eq!(endpoint.number, *number);
        assert_eq!(endpoint.group.title(), group, "row {number}");
        assert_eq!(endpoint.title, title, "row {number}");
    }
}

#[test]
fn the_extension_rows_follow_the_index_as_documented() {
    let rows = extension_rows();
    assert_eq!(rows.len(), 4);
    for (endpoint, (number, group, title)) in ENDPOINTS[97..].iter().zip(&rows) {
        assert_eq!(endpoint.number, *number);
        assert_eq!(endpoint.group.title(), group, "row {number}");
        assert_eq!(endpoint.title, title, "row {number}");
    }
}

#[test]
fn each_method_and_path_names_one_endpoint() {
    let routes: BTreeSet<(&str, &str)> = ENDPOINTS
        .iter()
        .map(|e| (e.method.as_str(), e.path))
        .collect();
    assert_eq!(routes.len(), ENDPOINTS.len());
    let names: BTreeSet<&str> = ENDPOINTS.iter().map(|e| e.name).collect();
    assert_eq!(names.len(), ENDPOINTS.len());
}

#[test]
fn methods_follow_the_house_style() {
    for endpoint in ENDPOINTS {
        assert!(endpoint.path.starts_with("/v3/"), "{}", endpoint.name);
        match endpoint.method {
            Method::Get => assert_eq!(
                endpoint.body,
                Payload::None,
                "a GET has no body: {}",
                endpoint.name
            ),
            Method::Put => assert_eq!(endpoint.auth, Auth::SignedUrl, "{}", endpoint.name),
            Method::Post | Method::Patch => {
                assert_eq!(endpoint.body, Payload::Json, "{}", endpoint.name);
                assert_eq!(endpoint.query, Payload::None, "{}", endpoint.name);
            }
        }
    }
}

#[test]
fn messages_use_the_real_services_spellings() {
    use chatenium_api::schemas::{common::Timestamp, dm::*};
    let message = Message {
        msgid: "m".into(),
        chatid: "c".into(),
        author: "u".into(),
        message: "hello".into(),
        sent_at: Timestamp::new(5, 1),
        is_edited: true,
        seen: false,
        pinned: false,
        reply_to_id: None,
        reply_to: None,
        files: vec![],
        client_key: None,
        forwarded_from: None,
        forwarded_from_name: None,
        meta_data: None,
    };
    let json = serde_json::to_value(&message).unwrap();
    for key in [
        "msgid", "chatid", "author", "message", "sent_at", "isEdited", "seen", "files",
    ] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
    assert_eq!(json["sent_at"], serde_json::json!({"T": 5, "I": 1}));
    let send: SendMessageReq = serde_json::from_value(serde_json::json!({
        "chatid": "c", "message": "hi", "clientKey": "k", "fileIDs": ["f"]
    }))
    .unwrap();
    assert_eq!(send.file_ids, vec!["f".to_owned()]);
}
