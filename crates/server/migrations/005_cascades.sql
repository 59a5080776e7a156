-- 005_cascades: cascades, their members, bans and invite, nested threads and their messages.
--
-- Deleting a user takes what is theirs: the cascades they own (with everything in them), their
-- memberships and bans, and the thread messages they wrote (as a direct chat's messages go with
-- the account). Threads, `banned_by` and `pinned_by` only name a user, so they survive them.

-- A cascade and its one invite. Times are the server clock's (seconds + ordinal); `active_*`
-- is its newest thread message or its creation, which orders discovery.
CREATE TABLE cascades (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    owner_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    public            INTEGER NOT NULL,
    picture_file_id   TEXT REFERENCES files(id) ON DELETE SET NULL,
    invite_code       TEXT NOT NULL UNIQUE,
    invite_expires_at INTEGER,
    invite_max_uses   INTEGER,
    invite_uses       INTEGER NOT NULL DEFAULT 0,
    created_t         INTEGER NOT NULL,
    created_i         INTEGER NOT NULL,
    active_t          INTEGER NOT NULL,
    active_i          INTEGER NOT NULL
);
CREATE INDEX cascades_owner ON cascades(owner_id);
CREATE INDEX cascades_discovery ON cascades(public, active_t, active_i);

-- Every member, the owner too. role: 'owner', 'admin' or 'member'.
CREATE TABLE cascade_members (
    cascade_id TEXT NOT NULL REFERENCES cascades(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    joined_t   INTEGER NOT NULL,
    joined_i   INTEGER NOT NULL,
    PRIMARY KEY (cascade_id, user_id)
);
CREATE INDEX cascade_members_user ON cascade_members(user_id);

CREATE TABLE cascade_bans (
    cascade_id TEXT NOT NULL REFERENCES cascades(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    banned_by  TEXT NOT NULL,
    reason     TEXT,
    banned_t   INTEGER NOT NULL,
    banned_i   INTEGER NOT NULL,
    PRIMARY KEY (cascade_id, user_id)
);

-- parent_id has no ON DELETE action on purpose: closing a thread deletes the thread and all its
-- descendants in one statement (found with a recursive query), so no cascade recurses as deep
-- as the nesting goes; the constraint is checked at the statement's end.
CREATE TABLE threads (
    id          TEXT PRIMARY KEY,
    cascade_id  TEXT NOT NULL REFERENCES cascades(id) ON DELETE CASCADE,
    parent_id   TEXT REFERENCES threads(id),
    name        TEXT NOT NULL,
    description TEXT,
    created_by  TEXT NOT NULL,
    created_t   INTEGER NOT NULL,
    created_i   INTEGER NOT NULL
);
CREATE INDEX threads_parent ON threads(cascade_id, parent_id);
CREATE INDEX threads_children ON threads(parent_id);

-- As `messages`: seq orders a thread's messages; (author, client_key) makes a send idempotent.
-- cascade_id repeats the thread's, for discovery's per-cascade counts.
CREATE TABLE thread_messages (
    id          TEXT PRIMARY KEY,
    cascade_id  TEXT NOT NULL,
    thread_id   TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    author      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    sent_t      INTEGER NOT NULL,
    sent_i      INTEGER NOT NULL,
    edited      INTEGER NOT NULL DEFAULT 0,
    reply_to_id TEXT,
    client_key  TEXT,
    pinned_by   TEXT,
    pinned_t    INTEGER,
    pinned_i    INTEGER,
    UNIQUE (thread_id, seq),
    UNIQUE (author, client_key)
);
CREATE INDEX thread_messages_recent ON thread_messages(cascade_id, sent_t);

-- Unlike message_files, a link goes with its file: an upload deleted with its owner's account
-- leaves the message without it instead of blocking the deletion.
CREATE TABLE thread_message_files (
    message_id TEXT NOT NULL REFERENCES thread_messages(id) ON DELETE CASCADE,
    file_id    TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (message_id, file_id)
);
CREATE INDEX thread_message_files_file ON thread_message_files(file_id);
