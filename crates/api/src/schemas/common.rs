//! Types shared by every group: timestamps, the plain success body, a user as others see them.

use crate::macros::contract_types;

contract_types! {
    /// A point in time as the real service writes it: unix seconds plus an ordinal within that
    /// second, so that two messages sent in the same second keep their order.
    #[derive(PartialOrd, Ord, Hash, Copy, Default)]
    pub struct Timestamp {
        /// Unix seconds.
        #[serde(rename = "T")]
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub t: i64,
        /// Ordinal within the second, starting at 0.
        #[serde(rename = "I")]
        pub i: u32,
    }

    /// A plain success: `{"response": "..."}`.
    pub struct GenericSuccessBody {
        pub response: String,
    }

    /// What any signed-in user may see of another user.
    pub struct PublicUserData {
        pub userid: String,
        pub username: String,
        pub display_name: String,
        /// A signed download URL of the profile picture; `null` when the user has none.
        #[serde(default)]
        pub pfp: Option<String>,
    }
}

impl GenericSuccessBody {
    pub fn new(response: impl Into<String>) -> Self {
        Self {
            response: response.into(),
        }
    }
}

impl Timestamp {
    pub const fn new(t: i64, i: u32) -> Self {
        Self { t, i }
    }
}
