//! `contract_types!` gives every contract type the same derives, so that the wire format
//! (serde), the OpenAPI schema (schemars) and the TypeScript type (specta) cannot disagree:
//! camelCase fields unless a field says otherwise, as the real service spells them.

macro_rules! contract_types {
    ($(
        $(#[$meta:meta])*
        pub $kind:ident $name:ident $body:tt
    )*) => {$(
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[serde(rename_all = "camelCase")]
        $(#[$meta])*
        pub $kind $name $body
    )*};
}

pub(crate) use contract_types;
