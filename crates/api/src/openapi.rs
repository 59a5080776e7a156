//! The OpenAPI 3.1 document, generated from the endpoint table and the schemas. Nothing in it
//! is written by hand: `examples/write-openapi.rs` writes it to `openapi.json`, and
//! `tests/openapi_drift.rs` fails when that file and the code disagree.

use schemars::{generate::SchemaSettings, Schema};
use serde_json::{json, Map, Value};

use crate::endpoint::{Auth, EndpointMeta, Group, Payload};
use crate::error::ErrorBody;
use crate::ws::{ClientCommand, Frame, ServerEvent};

/// One operation's schemas, produced by the table.
pub(crate) struct OperationSchemas {
    pub meta: EndpointMeta,
    pub query: Option<Schema>,
    pub body: Option<Schema>,
    pub response: Option<Schema>,
}

/// The whole document.
pub fn document() -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|settings| {
            settings.definitions_path = "/components/schemas".into();
            settings.meta_schema = None;
        })
        .into_generator();
    let mut operations = crate::table::operation_schemas(&mut generator);
    operations.extend(crate::extensions::operation_schemas(&mut generator));
    let error = generator.subschema_for::<ErrorBody>();
    // The socket's types are part of the contract too, though no operation returns them.
    for schema in [
        generator.subschema_for::<Frame>(),
        generator.subschema_for::<ServerEvent>(),
        generator.subschema_for::<ClientCommand>(),
    ] {
        debug_assert!(schema.get("$ref").is_some());
    }

    let mut paths = Map::new();
    for operation in operations {
        let entry = paths
            .entry(operation.meta.path)
            .or_insert_with(|| Value::Object(Map::new()));
        let method = operation.meta.method.as_str().to_ascii_lowercase();
        entry[method] = describe(operation, &error);
    }

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Chatenium API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The Chatenium API as Chatenium Desktop implements it: the 97 endpoints of the \
                published index with the paths and fields decided in the chatenium-api crate, \
                the call-signaling rows that extend it (98 on, docs/call-signaling.md), and the \
                extensions without a row (`x-extension`: forwarding a message, the change feed). \
                WebSocket frames are `{action, data, sender}` with `data` a JSON string; their \
                typed forms are the ServerEvent and ClientCommand schemas.",
        },
        "servers": [
            { "url": crate::REAL_API_BASE, "description": "The Chatenium service" },
            { "url": "http://127.0.0.1:{port}", "description": "A local Chatenium server",
              "variables": { "port": { "default": "3000" } } },
        ],
        "tags": Group::ALL.iter().map(|group| json!({ "name": group.title() })).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "schemas": generator.take_definitions(true),
            "securitySchemes": {
                "accessToken": { "type": "apiKey", "in": "header", "name": "Authorization",
                    "description": "The raw access token, without a `Bearer ` prefix." },
                "queryToken": { "type": "apiKey", "in": "query", "name": "accessToken" },
            },
        },
    })
}

/// The document as the committed file holds it: pretty JSON and a final newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

fn describe(operation: OperationSchemas, error: &Schema) -> Value {
    let meta = operation.meta;
    let mut out = json!({
        "operationId": meta.name,
        "summary": meta.title,
        "tags": [meta.group.title()],
        "security": match meta.auth {
            Auth::AccessToken => json!([{ "accessToken": [] }]),
            Auth::QueryToken => json!([{ "queryToken": [] }]),
            Auth::None | Auth::SignedUrl => json!([]),
        },
    });
    // An extension of the index has no row in it (`crate::extensions`).
    if meta.number == 0 {
        out["x-extension"] = json!(true);
    } else {
        out["x-index-row"] = json!(meta.number);
    }
    if !meta.description.is_empty() {
        out["description"] = json!(meta.description);
    }
    if let Some(query) = operation.query {
        out["parameters"] = Value::Array(query_parameters(&query));
    }
    match meta.body {
        Payload::Json => {
            out["requestBody"] = json!({
                "required": true,
                "content": { "application/json": { "schema": operation.body } },
            });
        }
        Payload::Bytes => {
            out["requestBody"] = json!({
                "required": true,
                "content": { "application/octet-stream": {
                    "schema": { "type": "string", "contentMediaType": "application/octet-stream" } } },
            });
        }
        Payload::None => {}
    }
    let success = match (meta.response, meta.auth) {
        (Payload::None, Auth::QueryToken) => (
            "101",
            json!({ "description": "Switching to the WebSocket protocol" }),
        ),
        (Payload::None, _) => (
            "200",
            json!({ "description": "Stored; the `ETag` header identifies the stored bytes" }),
        ),
        _ => (
            "200",
            json!({
                "description": "OK",
                "content": { "application/json": { "schema": operation.response } },
            }),
        ),
    };
    out["responses"] = json!({
        success.0: success.1,
        "default": {
            "description": "An error: a stable, translatable code",
            "content": { "application/json": { "schema": error } },
        },
    });
    out
}

/// A flat query type's properties become `in: query` parameters.
fn query_parameters(schema: &Schema) -> Vec<Value> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": property,
            })
        })
        .collect()
}
