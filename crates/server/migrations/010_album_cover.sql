-- 010_album_cover: the picture an album's owner chose as its cover. NULL (none chosen, or the
-- chosen picture deleted) shows the newest picture; the albums query also ignores a chosen
-- picture that is no longer in the album, and moving a picture out clears the choice.
ALTER TABLE albums ADD COLUMN cover_picture_id TEXT REFERENCES pictures(id) ON DELETE SET NULL;
