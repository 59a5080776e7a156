//! The shared set-up of the server's tests: users, contacts, cascades, live connections and the
//! database rows no endpoint shows. A test states its cast in a line or two with these
//! (`server.users(["anna", "bela"])`, `server.befriend(&anna, &bela)`,
//! `server.sockets([&anna, &anna, &bela])`) and spends its lines on what it checks.

use chatenium_api::schemas::auth::{RegisterReq, SuccessfulAuthResp};
use chatenium_api::schemas::cascade::{Cascade, CascadeRole, JoinFromInviteReq};
use chatenium_api::schemas::contacts::{AddContactReq, Contact};
use chatenium_api::ws::{ClientCommand, ServerEvent, Subscription};
use chatenium_api::{CreateCascade, CreateContact, Endpoint, JoinFromInvite, Register};

use super::cascade::new_cascade;
use super::{As, Socket, TestServer, User};

/// Users.
impl TestServer {
    /// Registers `name` with a password and e-mail derived from it.
    pub async fn register(&self, name: &str) -> User {
        let email = format!("{name}@example.test");
        let password = format!("{name}-password-1");
        let request = RegisterReq {
            username: name.to_owned(),
            display_name: format!("{name} display"),
            email: email.clone(),
            password: password.clone(),
            phone: None,
            os: "test".into(),
            language: "en".into(),
        };
        let auth: SuccessfulAuthResp = self
            .call::<Register>(As::default(), &(), &request)
            .await
            .expect("registration");
        User {
            userid: auth.userid,
            username: name.to_owned(),
            email,
            password,
            token: auth.access_token,
            refresh: auth.refresh_token,
        }
    }

    /// Registers each name, in order (see [`TestServer::register`]).
    pub async fn users<const N: usize>(&self, names: [&str; N]) -> [User; N] {
        let mut users = Vec::with_capacity(N);
        for name in names {
            users.push(self.register(name).await);
        }
        users
            .try_into()
            .unwrap_or_else(|_| unreachable!("one user per name"))
    }
}

/// Contacts.
impl TestServer {
    /// `from` adds `to` as a contact.
    pub async fn add_contact(&self, from: &User, to: &User) -> Contact {
        self.call::<CreateContact>(
            from.auth(),
            &(),
            &AddContactReq {
                userid: to.userid.clone(),
            },
        )
        .await
        .expect("the contact is added")
    }

    /// `one` and `other` have each other as accepted contacts: `one` asked, `other` accepted by
    /// replying "hello". Answers the chat's id.
    pub async fn befriend(&self, one: &User, other: &User) -> String {
        let chatid = self.add_contact(one, other).await.chatid;
        self.send_text(other.auth(), &chatid, "hello").await;
        chatid
    }
}

/// Cascades.
impl TestServer {
    pub async fn create_cascade(&self, owner: &User, name: &str, public: bool) -> Cascade {
        self.call::<CreateCascade>(owner.auth(), &(), &new_cascade(name, public))
            .await
            .expect("the cascade is created")
    }

    /// `owner` creates a cascade that `members` join with its invite.
    pub async fn cascade_with(&self, owner: &User, members: &[&User]) -> Cascade {
        let cascade = self.create_cascade(owner, "Klub", false).await;
        let code = cascade
            .invite
            .clone()
            .expect("the owner sees the invite")
            .code;
        for member in members {
            self.join_with_invite(member, &code).await;
        }
        cascade
    }

    pub async fn join_with_invite(&self, user: &User, code: &str) -> Cascade {
        self.call::<JoinFromInvite>(
            user.auth(),
            &(),
            &JoinFromInviteReq {
                code: code.to_owned(),
            },
        )
        .await
        .expect("the invite admits")
    }

    /// Gives a member a role; the contract has no endpoint for making admins.
    pub async fn set_role(&self, cascade_id: &str, user: &User, role: CascadeRole) {
        let role = match role {
            CascadeRole::Owner => "owner",
            CascadeRole::Admin => "admin",
            CascadeRole::Member => "member",
        };
        self.sql(&format!(
            "UPDATE cascade_members SET role = '{role}' WHERE cascade_id = '{cascade_id}' AND user_id = '{}'",
            user.userid
        ))
        .await;
    }
}

/// Live connections.
impl TestServer {
    /// Opens a WebSocket as the holder of `token` and reads its `connectionId`.
    pub async fn socket(&self, token: &str) -> Socket {
        let url = format!(
            "{}{}?accessToken={token}",
            self.server.base_url.replacen("http", "ws", 1),
            chatenium_api::WsUpgrade::META.path
        );
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("WebSocket upgrade");
        let mut socket = Socket {
            stream,
            conn_id: String::new(),
        };
        match socket.next_event().await {
            ServerEvent::ConnectionId(id) => socket.conn_id = id.conn_id,
            other => panic!("first frame was {other:?}"),
        }
        socket
    }

    /// One connection per entry, in order: name a user twice for two of their connections.
    pub async fn sockets<const N: usize>(&self, users: [&User; N]) -> [Socket; N] {
        let mut sockets = Vec::with_capacity(N);
        for user in users {
            sockets.push(self.socket(&user.token).await);
        }
        sockets
            .try_into()
            .unwrap_or_else(|_| unreachable!("one socket per user"))
    }
}

/// Follows the cascades' thread events on this connection; the ping barrier makes sure the
/// server has taken the subscription before the test goes on.
pub async fn subscribe(socket: &mut Socket, cascade_ids: &[&str]) {
    let subscription = Subscription {
        cascade_ids: cascade_ids.iter().map(|&id| id.to_owned()).collect(),
    };
    socket.send(&ClientCommand::Subscribe(subscription)).await;
    assert_eq!(socket.drain().await, vec![], "nothing was pending");
}

/// The database, for states a test must not wait for and for what no endpoint shows.
impl TestServer {
    /// Runs SQL statements, e.g. to expire a challenge.
    pub async fn sql(&self, sql: &str) {
        let sql = sql.to_owned();
        self.server
            .state()
            .db
            .call(move |c| Ok(c.execute_batch(&sql)?))
            .await
            .expect("the SQL runs");
    }

    /// Runs one statement with `values` for `?1`, `?2`, ...; answers the rows it changed.
    pub async fn execute(&self, statement: &str, values: &[&str]) -> usize {
        let statement = statement.to_owned();
        let values: Vec<String> = values.iter().map(|&v| v.to_owned()).collect();
        self.server
            .state()
            .db
            .call(move |c| Ok(c.execute(&statement, rusqlite::params_from_iter(values))?))
            .await
            .expect("the statement runs")
    }

    /// One number from the database, e.g. a `COUNT(*)`, with `values` for `?1`, `?2`, ...
    pub async fn count(&self, query: &str, values: &[&str]) -> i64 {
        let query = query.to_owned();
        let values: Vec<String> = values.iter().map(|&v| v.to_owned()).collect();
        self.server
            .state()
            .db
            .call(move |c| {
                Ok(c.query_row(&query, rusqlite::params_from_iter(values), |row| row.get(0))?)
            })
            .await
            .expect("the query runs")
    }
}
