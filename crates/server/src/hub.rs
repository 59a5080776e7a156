//! The WebSocket hub: which live connections each user has, and delivery of events to them.
//!
//! Every connection has a bounded queue. Delivery never waits: a connection whose queue is
//! full is a client that stopped reading, and it is dropped (its socket task sees the queue
//! close and ends), so a slow client can never make the server grow without bound.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use chatenium_api::ws::ServerEvent;
use tokio::sync::mpsc;

/// Frames a connection may have waiting before it counts as stalled.
pub const QUEUE_CAPACITY: usize = 256;

/// What the socket task of a connection is told to do.
#[derive(Debug)]
pub enum Outbound {
    /// Send this frame text.
    Frame(String),
    /// Send a close frame and end.
    Close,
}

struct Connection {
    id: String,
    session_id: String,
    cascades: HashSet<String>,
    queue: mpsc::Sender<Outbound>,
}

#[derive(Default)]
pub struct Hub {
    users: Mutex<HashMap<String, Vec<Connection>>>,
}

/// Who an event goes to.
#[derive(Clone, Copy)]
pub struct Audience<'a> {
    pub users: &'a [String],
    /// Only connections subscribed to this cascade (thread events).
    pub cascade: Option<&'a str>,
}

impl<'a> Audience<'a> {
    /// Every connection of these users.
    pub fn users(users: &'a [String]) -> Self {
        Self {
            users,
            cascade: None,
        }
    }

    /// The connections of these users that follow the cascade's threads.
    pub fn following(users: &'a [String], cascade_id: &'a str) -> Self {
        Self {
            users,
            cascade: Some(cascade_id),
        }
    }
}

/// Who made a change: their userid goes in the frame's `sender`, and the connection that made
/// it (its `X-WS-ID`) is not told, as it knows already.
#[derive(Clone, Copy)]
pub struct Origin<'a> {
    pub userid: &'a str,
    pub connection: Option<&'a str>,
}

impl Hub {
    /// Adds a connection; the receiver is the connection's queue.
    pub fn register(&self, userid: &str, session_id: &str) -> (String, mpsc::Receiver<Outbound>) {
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let id = crate::ids::new_id();
        let connection = Connection {
            id: id.clone(),
            session_id: session_id.to_owned(),
            cascades: HashSet::new(),
            queue,
        };
        self.lock()
            .entry(userid.to_owned())
            .or_default()
            .push(connection);
        (id, receiver)
    }

    pub fn unregister(&self, userid: &str, connection_id: &str) {
        let mut users = self.lock();
        if let Some(connections) = users.get_mut(userid) {
            connections.retain(|c| c.id != connection_id);
            if connections.is_empty() {
                users.remove(userid);
            }
        }
    }

    /// Delivers `event` to every connection of the audience, but the connection that made the
    /// change. That connection is left out only among its author's own, so an `X-WS-ID` naming
    /// someone else's connection cannot keep the news from it. `origin` is `None` for what the
    /// server itself did (a ring or a transfer timing out): everyone hears, without a sender.
    /// A change users may see later goes through the change feed's `publish` instead, which
    /// numbers it in each user's feed and then delivers it with [`Hub::deliver`].
    pub fn fan_out(&self, audience: Audience<'_>, event: &ServerEvent, origin: Option<Origin<'_>>) {
        let text = event.to_frame(origin.map(|o| o.userid)).to_text();
        self.deliver(audience, origin, |_| Some(text.clone()));
    }

    /// Delivers to each user of the audience the frame `text_for` writes for them (`None`:
    /// nothing), with [`Hub::fan_out`]'s rules on who is left out.
    pub fn deliver(
        &self,
        audience: Audience<'_>,
        origin: Option<Origin<'_>>,
        mut text_for: impl FnMut(&str) -> Option<String>,
    ) {
        let except = origin.and_then(|o| o.connection.map(|connection| (o.userid, connection)));
        let mut users = self.lock();
        for userid in audience.users {
            let Some(connections) = users.get_mut(userid) else {
                continue;
            };
            let Some(text) = text_for(userid) else {
                continue;
            };
            let skipped = except
                .filter(|(author, _)| author == userid)
                .map(|(_, connection)| connection);
            connections.retain(|connection| {
                if Some(connection.id.as_str()) == skipped {
                    return true;
                }
                if let Some(cascade) = audience.cascade {
                    if !connection.cascades.contains(cascade) {
                        return true;
                    }
                }
                // A full or closed queue drops the connection.
                connection
                    .queue
                    .try_send(Outbound::Frame(text.clone()))
                    .is_ok()
            });
        }
        users.retain(|_, connections| !connections.is_empty());
    }

    /// Also delivers these cascades' thread events to the connection, at once, before anyone
    /// checked the user belongs to them (so that an event sent right after the client's frame
    /// was read is not missed); answers the ids that were not followed before. The caller then
    /// checks them with [`Hub::confirm_subscriptions`]. What this holds meanwhile is bounded
    /// by one client frame.
    pub fn subscribe(
        &self,
        userid: &str,
        connection_id: &str,
        cascade_ids: &[String],
    ) -> Vec<String> {
        let mut users = self.lock();
        let Some(connection) = users
            .get_mut(userid)
            .and_then(|cs| cs.iter_mut().find(|c| c.id == connection_id))
        else {
            return Vec::new();
        };
        cascade_ids
            .iter()
            .filter(|id| connection.cascades.insert((*id).clone()))
            .cloned()
            .collect()
    }

    /// Keeps of `added` only the cascades in `member_of`, and no more than `cap` cascades in
    /// all: what was followed before stays, the newest go first.
    pub fn confirm_subscriptions(
        &self,
        userid: &str,
        connection_id: &str,
        added: &[String],
        member_of: &HashSet<String>,
        cap: usize,
    ) {
        let mut users = self.lock();
        let Some(connection) = users
            .get_mut(userid)
            .and_then(|cs| cs.iter_mut().find(|c| c.id == connection_id))
        else {
            return;
        };
        for id in added {
            if !member_of.contains(id) {
                connection.cascades.remove(id);
            }
        }
        for id in added.iter().rev() {
            if connection.cascades.len() <= cap {
                break;
            }
            connection.cascades.remove(id);
        }
        connection.cascades.shrink_to_fit();
    }

    /// Stops thread events of a cascade reaching a user (kicked, banned, left).
    pub fn unsubscribe_user(&self, userid: &str, cascade_id: &str) {
        if let Some(connections) = self.lock().get_mut(userid) {
            for connection in connections {
                connection.cascades.remove(cascade_id);
            }
        }
    }

    /// Tells the connections of a logged-out session and closes them.
    pub fn revoke_session(&self, session_id: &str) {
        let revoked = ServerEvent::SessionRevoked.to_frame(None).to_text();
        let mut users = self.lock();
        for connections in users.values_mut() {
            connections.retain(|connection| {
                if connection.session_id != session_id {
                    return true;
                }
                let _ = connection.queue.try_send(Outbound::Frame(revoked.clone()));
                let _ = connection.queue.try_send(Outbound::Close);
                false
            });
        }
        users.retain(|_, connections| !connections.is_empty());
    }

    /// The cascades a connection follows the thread events of.
    pub fn subscriptions(&self, userid: &str, connection_id: &str) -> Vec<String> {
        self.lock()
            .get(userid)
            .and_then(|cs| cs.iter().find(|c| c.id == connection_id))
            .map(|c| c.cascades.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// How many connections a user has open.
    pub fn connection_count(&self, userid: &str) -> usize {
        self.lock().get(userid).map_or(0, Vec::len)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Connection>>> {
        self.users.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatenium_api::ws::ChatRef;

    fn event() -> ServerEvent {
        ServerEvent::ContactDeleted(ChatRef { chatid: "c".into() })
    }

    #[test]
    fn every_connection_but_the_excepted_one_receives() {
        let hub = Hub::default();
        let (first, mut first_rx) = hub.register("u", "s1");
        let (_, mut second_rx) = hub.register("u", "s2");
        let origin = Origin {
            userid: "u",
            connection: Some(&first),
        };
        hub.fan_out(Audience::users(&["u".into()]), &event(), Some(origin));
        assert!(first_rx.try_recv().is_err());
        assert!(
            matches!(second_rx.try_recv(), Ok(Outbound::Frame(text)) if text.contains("contactDeleted"))
        );
    }

    #[test]
    fn naming_someone_elses_connection_does_not_keep_the_event_from_it() {
        let hub = Hub::default();
        let (theirs, mut their_rx) = hub.register("v", "s");
        let origin = Origin {
            userid: "u",
            connection: Some(&theirs),
        };
        hub.fan_out(Audience::users(&["v".into()]), &event(), Some(origin));
        assert!(matches!(their_rx.try_recv(), Ok(Outbound::Frame(_))));
    }

    #[test]
    fn a_connection_that_stops_reading_is_dropped_not_buffered_forever() {
        let hub = Hub::default();
        let (_, _stalled) = hub.register("u", "s");
        for _ in 0..QUEUE_CAPACITY {
            hub.fan_out(Audience::users(&["u".into()]), &event(), None);
        }
        assert_eq!(hub.connection_count("u"), 1);
        hub.fan_out(Audience::users(&["u".into()]), &event(), None);
        assert_eq!(hub.connection_count("u"), 0);
    }

    #[test]
    fn revoking_a_session_closes_only_its_connections() {
        let hub = Hub::default();
        let (_, mut revoked) = hub.register("u", "s1");
        let (_, _kept) = hub.register("u", "s2");
        hub.revoke_session("s1");
        assert!(
            matches!(revoked.try_recv(), Ok(Outbound::Frame(text)) if text.contains("sessionRevoked"))
        );
        assert!(matches!(revoked.try_recv(), Ok(Outbound::Close)));
        assert_eq!(hub.connection_count("u"), 1);
    }
}
