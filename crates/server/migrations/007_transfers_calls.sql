-- 007_transfers_calls: tables this group adds.

-- A peer-to-peer file transfer offered by `sender` to `receiver`. Only the signaling state
-- lives here; the bytes travel between the peers. state: 'pending' until the receiver answers,
-- then 'accepted', or 'declined' (either party ended it) or 'expired' (nobody accepted by
-- `expires_at`, unix seconds).
CREATE TABLE transfers (
    id          TEXT PRIMARY KEY,
    sender      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    receiver    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    file_name   TEXT NOT NULL,
    file_size   INTEGER NOT NULL,
    file_mime   TEXT NOT NULL,
    file_width  INTEGER,
    file_height INTEGER,
    state       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX transfers_sender ON transfers(sender);
CREATE INDEX transfers_receiver ON transfers(receiver);

-- A call invitation that is ringing: at most one per chat. `ring_id` tells a re-invitation
-- from the ring it replaced, so the older ring's timeout ends nothing. The row goes when the
-- partner joins or the ring times out.
CREATE TABLE call_rings (
    chat_id TEXT PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,
    ring_id TEXT NOT NULL,
    caller  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    rang_at INTEGER NOT NULL
);
