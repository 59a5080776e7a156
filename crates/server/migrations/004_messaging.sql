-- 004_messaging: tables and columns this group adds to 001.

-- The ordinal within the second of a chat's creation, from the server clock like a message's
-- sent_i: the contact list orders chats without messages by (created_at, created_i), on the
-- same clock as messages, so the order is total even within one second.
ALTER TABLE chats ADD COLUMN created_i INTEGER NOT NULL DEFAULT 0;

-- UNIQUE (user_a, user_b) serves lookups by user_a; this serves "the chats of a user" by user_b.
CREATE INDEX chats_user_b ON chats(user_b);
