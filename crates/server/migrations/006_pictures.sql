-- 006_pictures: picture galleries (rows 80 to 97). Everything here goes with its user through
-- ON DELETE CASCADE, so deleting an account needs no gallery-specific step: a user's albums,
-- pictures, follows (both ways), likes and comments go, and with a picture go its likes and
-- comments.

-- A creator's gallery settings. A user without a row takes part in discovery (the default).
CREATE TABLE creator_settings (
    user_id   TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    discovery INTEGER NOT NULL
);

CREATE TABLE creator_follows (
    follower   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    creator    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (follower, creator)
);
CREATE INDEX creator_follows_creator ON creator_follows(creator);

CREATE TABLE albums (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT,
    created_t   INTEGER NOT NULL,
    created_i   INTEGER NOT NULL
);
CREATE INDEX albums_owner ON albums(owner);

-- A picture is one complete image upload of its owner's; a file is at most one picture.
-- Deleting an album moves its pictures to "no album" (the handler does it; SET NULL is the
-- same rule for a cascade).
CREATE TABLE pictures (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    file_id     TEXT NOT NULL UNIQUE REFERENCES files(id) ON DELETE CASCADE,
    album_id    TEXT REFERENCES albums(id) ON DELETE SET NULL,
    title       TEXT,
    description TEXT,
    uploaded_t  INTEGER NOT NULL,
    uploaded_i  INTEGER NOT NULL
);
CREATE INDEX pictures_owner ON pictures(owner, uploaded_t, uploaded_i);
CREATE INDEX pictures_album ON pictures(album_id, uploaded_t, uploaded_i);
CREATE INDEX pictures_uploaded ON pictures(uploaded_t, uploaded_i);

-- One row per user who likes a picture: a like counts once.
CREATE TABLE picture_likes (
    picture_id TEXT NOT NULL REFERENCES pictures(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (picture_id, user_id)
);
CREATE INDEX picture_likes_user ON picture_likes(user_id);

CREATE TABLE picture_comments (
    id         TEXT PRIMARY KEY,
    picture_id TEXT NOT NULL REFERENCES pictures(id) ON DELETE CASCADE,
    author     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    content    TEXT NOT NULL,
    edited     INTEGER NOT NULL DEFAULT 0,
    posted_t   INTEGER NOT NULL,
    posted_i   INTEGER NOT NULL
);
CREATE INDEX picture_comments_picture ON picture_comments(picture_id, posted_t, posted_i);
CREATE INDEX picture_comments_author ON picture_comments(author);
