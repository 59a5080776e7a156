-- Accounts, sessions and tokens. Tokens and codes are stored only as SHA-256 hashes.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    email         TEXT UNIQUE COLLATE NOCASE,
    phone         TEXT UNIQUE,
    password_hash TEXT,
    pfp_file_id   TEXT,
    gif_save      INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    os          TEXT NOT NULL,
    language    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    last_active INTEGER NOT NULL,
    fcm_token   TEXT,
    apns_token  TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

-- kind: 'access' or 'refresh'. Blacklisting an access token deletes its row.
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX tokens_session ON tokens(session_id);

-- A challenge: verify `required` factors, then spend it once for its purpose.
CREATE TABLE challenges (
    id             TEXT PRIMARY KEY,
    purpose        TEXT NOT NULL,
    user_id        TEXT REFERENCES users(id) ON DELETE CASCADE,
    override_email TEXT,
    override_phone TEXT,
    required       INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    spent          INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE challenge_factors (
    challenge_id TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    target       TEXT NOT NULL,
    code_hash    TEXT,
    code_expires INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    verified     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (challenge_id, kind)
);

-- A direct chat between two users; user_a < user_b so a pair has one row.
CREATE TABLE chats (
    id              TEXT PRIMARY KEY,
    user_a          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    user_b          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    requested_by    TEXT NOT NULL,
    accepted        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    last_message_at INTEGER,
    UNIQUE (user_a, user_b)
);

-- Per member of a chat: mute and how far they have read.
CREATE TABLE chat_members (
    chat_id       TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    muted         INTEGER NOT NULL DEFAULT 0,
    last_read_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX chat_members_user ON chat_members(user_id);

-- seq orders a chat's messages; (author, client_key) makes a send idempotent.
CREATE TABLE messages (
    id          TEXT PRIMARY KEY,
    chat_id     TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    sent_t      INTEGER NOT NULL,
    sent_i      INTEGER NOT NULL,
    edited      INTEGER NOT NULL DEFAULT 0,
    reply_to_id TEXT,
    client_key  TEXT,
    pinned_by   TEXT,
    pinned_t    INTEGER,
    pinned_i    INTEGER,
    UNIQUE (chat_id, seq),
    UNIQUE (author, client_key)
);

CREATE TABLE message_files (
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    file_id    TEXT NOT NULL REFERENCES files(id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (message_id, file_id)
);

-- An upload, owned by its uploader. state: 'pending' until complete, then 'complete'.
CREATE TABLE files (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    width      INTEGER,
    height     INTEGER,
    state      TEXT NOT NULL,
    upload_id  TEXT,
    part_size  INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX files_owner ON files(owner);

CREATE TABLE file_parts (
    file_id     TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    part_number INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    etag        TEXT NOT NULL,
    PRIMARY KEY (file_id, part_number)
);
