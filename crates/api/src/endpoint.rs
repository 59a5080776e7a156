//! What an endpoint is: its row of the table as data ([`EndpointMeta`]) and its types
//! ([`Endpoint`]). A client builds a request from `E::META` and `E::Body`; a server routes
//! `E::META.path` to a handler that takes `E::Body` and answers `E::Response`. Neither spells
//! a path or a field itself.

use serde::{de::DeserializeOwned, Serialize};

/// The HTTP methods the contract uses: GET reads (query parameters), POST creates, PATCH edits
/// and deletes (as the real service does), PUT only for bytes sent to a signed URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
}

impl Method {
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
        }
    }
}

/// How a request proves who sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auth {
    /// Open: sign-in, registration, availability checks, rotating an expired pair.
    None,
    /// The raw access token in `Authorization` (no `Bearer ` prefix).
    AccessToken,
    /// The access token in the `accessToken` query parameter: a WebSocket upgrade cannot
    /// carry headers from a browser.
    QueryToken,
    /// A signed, expiring URL the server handed out; the signature is the permission.
    SignedUrl,
}

/// The groups of the index; each is one OpenAPI tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    WebSocket,
    Auth,
    Account,
    Call,
    Contacts,
    DirectMessaging,
    FileTransfer,
    Cascade,
    Thread,
    ThreadMessages,
    PicturesCreator,
    Pictures,
    PictureComments,
    PictureAlbum,
}

impl Group {
    pub const ALL: [Group; 14] = [
        Group::WebSocket,
        Group::Auth,
        Group::Account,
        Group::Call,
        Group::Contacts,
        Group::DirectMessaging,
        Group::FileTransfer,
        Group::Cascade,
        Group::Thread,
        Group::ThreadMessages,
        Group::PicturesCreator,
        Group::Pictures,
        Group::PictureComments,
        Group::PictureAlbum,
    ];

    /// The group's name as the index writes it.
    pub const fn title(self) -> &'static str {
        match self {
            Group::WebSocket => "WebSocket",
            Group::Auth => "Auth",
            Group::Account => "Account",
            Group::Call => "Call",
            Group::Contacts => "Contacts",
            Group::DirectMessaging => "Direct messaging",
            Group::FileTransfer => "File transfer",
            Group::Cascade => "Cascade",
            Group::Thread => "Thread",
            Group::ThreadMessages => "Thread Messages",
            Group::PicturesCreator => "Pictures creator",
            Group::Pictures => "Pictures",
            Group::PictureComments => "Picture comments",
            Group::PictureAlbum => "Picture album",
        }
    }
}

/// What travels in a request's query, a request's body or a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Payload {
    /// Nothing (an empty query, no body, or a response without a body such as `101`).
    None,
    /// JSON of the endpoint's type (a query type becomes query parameters).
    Json,
    /// Raw bytes: a file's content sent to a signed URL.
    Bytes,
}

/// One row of the endpoint table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointMeta {
    /// The row's number in the index (1 to 97), or in an extension of it (98 on).
    pub number: u8,
    /// The endpoint's Rust type name, also its OpenAPI `operationId`.
    pub name: &'static str,
    pub group: Group,
    /// The index's title for the endpoint.
    pub title: &'static str,
    /// The index's description (empty where the index gives none).
    pub description: &'static str,
    pub method: Method,
    /// The path below the server's base URL, starting with `/`.
    pub path: &'static str,
    pub auth: Auth,
    pub query: Payload,
    pub body: Payload,
    pub response: Payload,
}

/// Stands for a body of raw bytes in [`Endpoint::Body`]; the bytes themselves never pass
/// through serde.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct RawBytes;

/// An endpoint's types. Implemented by one unit struct per row of the table.
pub trait Endpoint {
    const META: EndpointMeta;
    /// Query parameters; `()` when there are none.
    type Query: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// The JSON body; `()` when there is none.
    type Body: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// The JSON of a 2xx response; `()` when it has none.
    type Response: Serialize + DeserializeOwned + Send + Sync + 'static;
}

/// Builds the table: a unit struct per row implementing [`Endpoint`], the [`ENDPOINTS`]
/// array, and the per-operation schemas the OpenAPI document needs. `none` and `bytes` stand
/// for no payload and raw bytes; a type is written in parentheses.
///
/// [`ENDPOINTS`]: crate::ENDPOINTS
macro_rules! endpoint_table {
    ($(
        $number:literal $name:ident: $group:ident $method:ident $path:literal $auth:ident,
        query $query:tt, body $body:tt, response $response:tt,
        $title:literal, $description:literal;
    )*) => {
        $(
            #[doc = concat!("Row ", stringify!($number), " of the index: ", $title, ". ", $description)]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
            pub struct $name;

            impl $crate::endpoint::Endpoint for $name {
                const META: $crate::endpoint::EndpointMeta = $crate::endpoint::EndpointMeta {
                    number: $number,
                    name: stringify!($name),
                    group: $crate::endpoint::Group::$group,
                    title: $title,
                    description: $description,
                    method: $crate::endpoint::Method::$method,
                    path: $path,
                    auth: $crate::endpoint::Auth::$auth,
                    query: payload_kind!($query),
                    body: payload_kind!($body),
                    response: payload_kind!($response),
                };
                type Query = payload_type!($query);
                type Body = payload_type!($body);
                type Response = payload_type!($response);
            }
        )*

        /// Every endpoint of the contract, in the index's order.
        pub const ENDPOINTS: &[$crate::endpoint::EndpointMeta] =
            &[$(<$name as $crate::endpoint::Endpoint>::META),*];

        /// The schemas of each operation, for the OpenAPI document. A query's schema is inline
        /// (it becomes parameters); bodies and responses refer to named components.
        pub(crate) fn operation_schemas(
            generator: &mut schemars::SchemaGenerator,
        ) -> Vec<$crate::openapi::OperationSchemas> {
            vec![$(
                $crate::openapi::OperationSchemas {
                    meta: <$name as $crate::endpoint::Endpoint>::META,
                    query: query_schema!(generator, $query),
                    body: payload_schema!(generator, $body),
                    response: payload_schema!(generator, $response),
                }
            ),*]
        }
    };
}

macro_rules! payload_kind {
    (none) => {
        $crate::endpoint::Payload::None
    };
    (bytes) => {
        $crate::endpoint::Payload::Bytes
    };
    (($type:ty)) => {
        $crate::endpoint::Payload::Json
    };
}

macro_rules! payload_type {
    (none) => {
        ()
    };
    (bytes) => {
        $crate::endpoint::RawBytes
    };
    (($type:ty)) => {
        $type
    };
}

macro_rules! payload_schema {
    ($generator:ident, none) => {
        None
    };
    ($generator:ident, bytes) => {
        None
    };
    ($generator:ident, ($type:ty)) => {
        Some($generator.subschema_for::<$type>())
    };
}

macro_rules! query_schema {
    ($generator:ident, none) => {
        None
    };
    ($generator:ident, ($type:ty)) => {
        Some(<$type as schemars::JsonSchema>::json_schema($generator))
    };
}

pub(crate) use {endpoint_table, payload_kind, payload_schema, payload_type, query_schema};
