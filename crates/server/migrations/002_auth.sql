-- 002_auth: tables and columns this group adds to 001.

-- An OAuth identity (a provider's `sub`) linked to the account it signs in to.
CREATE TABLE oauth_identities (
    provider   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX oauth_identities_user ON oauth_identities(user_id);

-- Registering a challenge drops the expired ones.
CREATE INDEX challenges_expiry ON challenges(expires_at);
