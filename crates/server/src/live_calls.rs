//! The calls ringing or running, in memory, one per direct chat (`docs/call-signaling.md`).
//! A leaf below the server's state, so that `state` can hold it without importing the call
//! routes' domain code (`call_signaling.rs`), which in turn takes the state.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use chatenium_api::ErrorCode;

use crate::error::ApiResult;

#[derive(Debug, Clone)]
pub(crate) struct LiveCall {
    /// The ring this call started as; a later invitation in the chat replaces it.
    pub(crate) ring_id: String,
    pub(crate) caller: String,
    pub(crate) callee: String,
    pub(crate) answered: bool,
}

impl LiveCall {
    pub(crate) fn is_party(&self, userid: &str) -> bool {
        self.caller == userid || self.callee == userid
    }

    pub(crate) fn other_party(&self, userid: &str) -> &str {
        if self.caller == userid {
            &self.callee
        } else {
            &self.caller
        }
    }

    pub(crate) fn parties(&self) -> [String; 2] {
        [self.caller.clone(), self.callee.clone()]
    }
}

/// The calls ringing or running, by chat.
#[derive(Default)]
pub struct LiveCalls {
    calls: Mutex<HashMap<String, LiveCall>>,
}

impl LiveCalls {
    pub(crate) fn lock(&self) -> MutexGuard<'_, HashMap<String, LiveCall>> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new ring in `chatid`; it replaces whatever call the chat had.
    pub fn ring(&self, chatid: &str, ring_id: &str, caller: &str, callee: &str) {
        self.lock().insert(
            chatid.to_owned(),
            LiveCall {
                ring_id: ring_id.to_owned(),
                caller: caller.to_owned(),
                callee: callee.to_owned(),
                answered: false,
            },
        );
    }

    /// The partner joined through *Get access* (the index's answer): the ring stops.
    pub fn joined(&self, chatid: &str, userid: &str) {
        if let Some(call) = self.lock().get_mut(chatid) {
            if call.callee == userid {
                call.answered = true;
            }
        }
    }

    /// Ends the ring `ring_id` of `chatid` if it still rings: the ring timed out. The parties
    /// when it did.
    pub fn ring_timed_out(&self, chatid: &str, ring_id: &str) -> Option<[String; 2]> {
        let mut calls = self.lock();
        let call = calls.get(chatid)?;
        if call.ring_id != ring_id || call.answered {
            return None;
        }
        calls.remove(chatid).map(|call| call.parties())
    }

    /// The call of `chatid` if `userid` is a party to it.
    pub(crate) fn party_call(&self, chatid: &str, userid: &str) -> ApiResult<LiveCall> {
        self.lock()
            .get(chatid)
            .filter(|call| call.is_party(userid))
            .cloned()
            .ok_or_else(|| ErrorCode::NotFound.into())
    }
}
