-- The change feed (an extension, chatenium_api::extensions::GetChanges): every change a user may
-- see, numbered 1, 2, 3, ... per user with no gap. `change_heads` holds each feed's newest
-- position, so numbering goes on after old entries are dropped from `changes` (a bounded
-- window: crate::changes).
CREATE TABLE change_heads (
    userid  TEXT PRIMARY KEY,
    head    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE changes (
    userid      TEXT NOT NULL,
    position    INTEGER NOT NULL,
    action      TEXT NOT NULL,
    data        TEXT NOT NULL,
    sender      TEXT,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (userid, position)
) WITHOUT ROWID;

CREATE INDEX changes_by_age ON changes (created_at);
