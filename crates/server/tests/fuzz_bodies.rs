//! Property-based fuzzing (proptest) of requests into the server's decoders (issue 16): every
//! row of the endpoint table, through the real router (`tower::ServiceExt::oneshot`, no
//! socket), with generated bodies, queries, content types and tokens, signed in as a real
//! user. Whatever arrives, the answer is a 2xx, or a 4xx with an `{"error": code}` body: never
//! a 5xx, never a panic (every panic in the process is counted).
//!
//! Bodies and queries follow the OpenAPI document's fields for the row (each maybe left out or
//! of a wrong kind, text often an id that exists), so that many get past decoding to the
//! handler; others are arbitrary JSON with the document's field names, or arbitrary bytes. Cases: a short run by
//! default, `CHATENIUM_SOAK=full` (`./dev soak`) more.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;
use std::time::Instant;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::Router;
use chatenium_api::schemas::auth::{RegisterReq, SignInReq, SuccessfulAuthResp};
use chatenium_api::schemas::contacts::AddContactReq;
use chatenium_api::schemas::dm::SendMessageReq;
use chatenium_api::{
    CreateContact, DmSendMessage, Endpoint, EndpointMeta, ErrorBody, Method, Register, SignIn,
    ENDPOINTS,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::Value;
use tower::ServiceExt;

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts every panic in the process (a handler's too, which the router turns into a 500).
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
}

fn cases() -> usize {
    if std::env::var("CHATENIUM_SOAK").as_deref() == Ok("full") {
        20_000
    } else {
        600
    }
}

/// Any JSON document, a few levels deep, its object keys often real field names.
fn any_json(fields: Vec<String>) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z0-9]{0,24}".prop_map(Value::String),
        Just(Value::from("x".repeat(70_000))),
    ];
    let key = prop_oneof![3 => prop::sample::select(fields), 1 => "[a-zA-Z_]{0,12}"];
    leaf.prop_recursive(3, 32, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Every property name in the OpenAPI document.
fn field_names() -> Vec<String> {
    fn walk(value: &Value, into: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Object(properties)) = map.get("properties") {
                    into.extend(properties.keys().cloned());
                }
                map.values().for_each(|child| walk(child, into));
            }
            Value::Array(items) => items.iter().for_each(|child| walk(child, into)),
            _ => {}
        }
    }
    let mut names = Vec::new();
    walk(&chatenium_api::openapi::document(), &mut names);
    names.sort();
    names.dedup();
    names
}

/// What a field of a body or query holds, as the OpenAPI document says.
#[derive(Debug, Clone)]
enum Kind {
    Text,
    Number,
    Flag,
    List,
    Choice(Vec<Value>),
    Other,
}

/// Each operation's body fields and query parameters, by operation id.
struct Shapes {
    document: Value,
}

impl Shapes {
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => self
                .document
                .pointer(reference.trim_start_matches('#'))
                .unwrap_or(schema),
            None => schema,
        }
    }

    fn kind(&self, schema: &Value) -> Kind {
        let schema = self.resolve(schema);
        if let Some(Value::Array(choices)) = schema.get("enum") {
            return Kind::Choice(choices.clone());
        }
        let kind = match schema.get("type") {
            Some(Value::Array(kinds)) => kinds.iter().find(|k| *k != "null").cloned(),
            other => other.cloned(),
        };
        match kind.as_ref().and_then(Value::as_str) {
            Some("string") => Kind::Text,
            Some("integer" | "number") => Kind::Number,
            Some("boolean") => Kind::Flag,
            Some("array") => Kind::List,
            _ => Kind::Other,
        }
    }

    fn operation(&self, meta: &EndpointMeta) -> Option<&Value> {
        let method = method_of(meta).to_lowercase();
        self.document.pointer(&format!(
            "/paths/{}/{method}",
            meta.path.replace('~', "~0").replace('/', "~1")
        ))
    }

    fn body_fields(&self, meta: &EndpointMeta) -> Vec<(String, Kind)> {
        let Some(schema) = self
            .operation(meta)
            .and_then(|o| o.pointer("/requestBody/content/application~1json/schema"))
        else {
            return Vec::new();
        };
        match self.resolve(schema).get("properties") {
            Some(Value::Object(properties)) => properties
                .iter()
                .map(|(name, field)| (name.clone(), self.kind(field)))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn query_fields(&self, meta: &EndpointMeta) -> Vec<(String, Kind)> {
        let Some(Value::Array(parameters)) = self.operation(meta).and_then(|o| o.get("parameters"))
        else {
            return Vec::new();
        };
        parameters
            .iter()
            .filter_map(|p| {
                let name = p.get("name")?.as_str()?.to_owned();
                Some((name, self.kind(p.get("schema")?)))
            })
            .collect()
    }
}

/// The choices for one field of a schema-guided body or query.
#[derive(Debug, Clone)]
struct Slot {
    include: bool,
    wrong_kind: Option<Value>,
    pick: usize,
    number: i64,
    text: String,
}

fn slots() -> impl Strategy<Value = Vec<Slot>> {
    let slot = (
        prop::bool::weighted(0.9),
        prop::option::weighted(0.08, any_json(vec!["x".into()])),
        any::<usize>(),
        prop_oneof![3 => -2i64..300, 1 => any::<i64>()],
        prop_oneof![3 => "[a-z0-9]{0,16}", 1 => any::<String>()],
    )
        .prop_map(|(include, wrong_kind, pick, number, text)| Slot {
            include,
            wrong_kind,
            pick,
            number,
            text,
        });
    prop::collection::vec(slot, 16)
}

/// A value of `kind`, often one of the ids and names that exist on the server.
fn value_of(kind: &Kind, slot: &Slot, known: &[String]) -> Value {
    if let Some(wrong) = &slot.wrong_kind {
        return wrong.clone();
    }
    let known_text = || {
        if slot.pick % 3 == 0 {
            Value::from(slot.text.clone())
        } else {
            Value::from(known[slot.pick % known.len()].clone())
        }
    };
    match kind {
        Kind::Text => known_text(),
        Kind::Number => Value::from(slot.number),
        Kind::Flag => Value::Bool(slot.pick % 2 == 0),
        Kind::List => Value::Array(if slot.pick % 2 == 0 {
            vec![known_text()]
        } else {
            vec![]
        }),
        Kind::Choice(choices) if !choices.is_empty() => choices[slot.pick % choices.len()].clone(),
        Kind::Choice(_) | Kind::Other => Value::Object(Default::default()),
    }
}

/// A body or query following the document's fields, each maybe left out or of a wrong kind.
fn guided(fields: &[(String, Kind)], slots: &[Slot], known: &[String]) -> Vec<(String, Value)> {
    fields
        .iter()
        .zip(slots.iter().cycle())
        .filter(|(_, slot)| slot.include)
        .map(|((name, kind), slot)| (name.clone(), value_of(kind, slot, known)))
        .collect()
}

/// One generated request.
#[derive(Debug, Clone)]
struct Case {
    endpoint: usize,
    /// Another method than the row's, now and then.
    other_method: Option<&'static str>,
    query: Option<String>,
    body: Vec<u8>,
    content_type: Option<&'static str>,
    signed_in: bool,
    /// Body and query built from the document's fields instead, when set.
    guided: Option<Vec<Slot>>,
}

fn case(fields: Vec<String>) -> impl Strategy<Value = Case> {
    let query = prop::option::of(prop_oneof![
        "[a-zA-Z0-9_=&%.-]{0,60}",
        prop::collection::vec(
            (
                prop::sample::select(fields.clone()),
                "[a-zA-Z0-9-]{0,12}|-1|0|99999999999"
            ),
            0..5
        )
        .prop_map(|pairs| serde_urlencoded::to_string(pairs).unwrap_or_default()),
    ]);
    let body = prop_oneof![
        6 => any_json(fields).prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..512),
        1 => Just(Vec::new()),
    ];
    (
        0..ENDPOINTS.len(),
        prop::option::weighted(
            0.1,
            prop::sample::select(vec!["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ),
        query,
        body,
        prop::option::weighted(
            0.9,
            prop::sample::select(vec![
                "application/json",
                "application/json",
                "application/json; charset=utf-8",
                "text/plain",
                "application/x-www-form-urlencoded",
            ]),
        ),
        prop::bool::weighted(0.85),
        prop::option::weighted(0.6, slots()),
    )
        .prop_map(
            |(endpoint, other_method, query, body, content_type, signed_in, guided)| Case {
                endpoint,
                other_method,
                query,
                body,
                content_type,
                signed_in,
                guided,
            },
        )
}

fn method_of(meta: &EndpointMeta) -> &'static str {
    match meta.method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
    }
}

/// Sends one request through the router; answers the status and body.
async fn send(
    router: &Router,
    method: &str,
    uri: &str,
    body: Vec<u8>,
    content_type: Option<&str>,
    token: Option<&str>,
) -> (StatusCode, Vec<u8>) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    if let Some(token) = token {
        request = request.header("authorization", token);
    }
    let mut request = request.body(Body::from(body)).unwrap();
    // What the accept loop adds: the caller's address (rate limits are per address).
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

async fn call_json<E: Endpoint>(
    router: &Router,
    token: Option<&str>,
    body: &E::Body,
) -> E::Response {
    let (status, bytes) = send(
        router,
        method_of(&E::META),
        E::META.path,
        serde_json::to_vec(body).unwrap(),
        Some("application/json"),
        token,
    )
    .await;
    assert!(status.is_success(), "{}: {status}", E::META.name);
    serde_json::from_slice(&bytes).unwrap()
}

async fn sign_in(router: &Router) -> SuccessfulAuthResp {
    let request = SignInReq {
        identity: "fuzzer@example.test".into(),
        password: Some("fuzzer-password-1".into()),
        challenge_id: None,
        os: "test".into(),
        language: "en".into(),
    };
    call_json::<SignIn>(router, None, &request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_requests_never_get_a_5xx_or_a_panic() {
    count_panics();
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut config = chatenium_server::Config::in_dir(dir.path());
    config.rate_limits = chatenium_server::config::RateLimits::off();
    let prepared = chatenium_server::prepare(config).await.unwrap();
    let router = chatenium_server::router(prepared.state().clone());
    let registration = RegisterReq {
        username: "fuzzer".into(),
        display_name: "Fuzzer".into(),
        email: "fuzzer@example.test".into(),
        password: "fuzzer-password-1".into(),
        phone: None,
        os: "test".into(),
        language: "en".into(),
    };
    let fuzzer = call_json::<Register>(&router, None, &registration).await;
    let mut token = fuzzer.access_token.clone();
    let other = RegisterReq {
        username: "other".into(),
        email: "other@example.test".into(),
        ..registration
    };
    let other = call_json::<Register>(&router, None, &other).await;
    let contact = call_json::<CreateContact>(
        &router,
        Some(&token),
        &AddContactReq {
            userid: other.userid.clone(),
        },
    )
    .await;
    let message = call_json::<DmSendMessage>(
        &router,
        Some(&token),
        &SendMessageReq {
            chatid: contact.chatid.clone(),
            message: "hello".into(),
            reply_to_id: None,
            file_ids: vec![],
            client_key: "key".into(),
        },
    )
    .await;
    // What a generated field may name: things that exist.
    let known = vec![
        fuzzer.userid.clone(),
        other.userid.clone(),
        contact.chatid.clone(),
        message.msgid.clone(),
        "fuzzer".to_owned(),
        "other@example.test".to_owned(),
    ];
    let shapes = Shapes {
        document: chatenium_api::openapi::document(),
    };

    let strategy = case(field_names());
    let mut runner = TestRunner::deterministic();
    let (mut server_errors, mut bad_error_bodies, mut accepted, mut signed_in_again) =
        (Vec::new(), Vec::new(), 0, 0);
    let total = cases();
    for _ in 0..total {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        let meta = &ENDPOINTS[case.endpoint];
        let method = case.other_method.unwrap_or(method_of(meta));
        let (query, body) = match &case.guided {
            Some(slots) => {
                let pairs: Vec<(String, String)> =
                    guided(&shapes.query_fields(meta), slots, &known)
                        .into_iter()
                        .map(|(name, value)| {
                            let text = match value {
                                Value::String(text) => text,
                                other => other.to_string(),
                            };
                            // A URI has a length limit before the server is reached.
                            (name, text.chars().take(2_000).collect())
                        })
                        .collect();
                let fields = guided(&shapes.body_fields(meta), slots, &known);
                let body = Value::Object(fields.into_iter().collect())
                    .to_string()
                    .into_bytes();
                (
                    Some(serde_urlencoded::to_string(pairs).unwrap_or_default()),
                    body,
                )
            }
            None => (case.query.clone(), case.body.clone()),
        };
        let uri = match query {
            Some(query) => format!("{}?{query}", meta.path),
            None => meta.path.to_owned(),
        };
        // A guided case is meant for the handler: it is sent as JSON.
        let content_type = match case.guided {
            Some(_) => Some("application/json"),
            None => case.content_type,
        };
        let auth = case.signed_in.then_some(token.as_str());
        let (status, body) = send(&router, method, &uri, body, content_type, auth).await;
        if status.is_server_error() {
            server_errors.push(format!("{} {status}: {case:?}", meta.name));
        } else if status.is_success() || status == StatusCode::SWITCHING_PROTOCOLS {
            accepted += 1;
        } else if serde_json::from_slice::<ErrorBody>(&body).is_err() {
            bad_error_bodies.push(format!(
                "{} {status} {:?}: {case:?}",
                meta.name,
                String::from_utf8_lossy(&body)
            ));
        }
        // A fuzzed logout or session end is a right of the signed-in user: sign in again.
        if case.signed_in && status == StatusCode::UNAUTHORIZED {
            token = sign_in(&router).await.access_token;
            signed_in_again += 1;
        }
    }
    let panics = PANICS.load(Ordering::SeqCst);
    println!(
        "fuzz: {total} generated requests into the server's {} routes ({accepted} accepted, \
         {signed_in_again} sign-ins again after a fuzzed logout): {} 5xx, {} error bodies that \
         are not {{\"error\": code}}, {panics} panics ({:.1} s)",
        ENDPOINTS.len(),
        server_errors.len(),
        bad_error_bodies.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(server_errors.is_empty(), "5xx answers: {server_errors:#?}");
    assert!(
        bad_error_bodies.is_empty(),
        "error bodies: {bad_error_bodies:#?}"
    );
    assert_eq!(panics, 0);
}
