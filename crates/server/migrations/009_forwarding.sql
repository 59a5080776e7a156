-- 008_forwarding: a forwarded message names whose message it was (the original author's userid)
-- and their display name at the time, as the real service's Message does.
ALTER TABLE messages ADD COLUMN forwarded_from TEXT;
ALTER TABLE messages ADD COLUMN forwarded_from_name TEXT;
ALTER TABLE thread_messages ADD COLUMN forwarded_from TEXT;
ALTER TABLE thread_messages ADD COLUMN forwarded_from_name TEXT;
