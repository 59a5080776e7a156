-- 008_picture_images: what the server makes of a picture's upload when it becomes a picture.
-- `files.width` and `files.height` are then the measured size as shown (the EXIF orientation
-- applied) instead of the client's claim, and `files.mime` the type the bytes have.

-- A blurhash of the image, computed once.
ALTER TABLE files ADD COLUMN placeholder TEXT;

-- The thumbnails made of a file, one per width; their bytes live beside the files.
CREATE TABLE file_thumbnails (
    file_id TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    width   INTEGER NOT NULL,
    height  INTEGER NOT NULL,
    mime    TEXT NOT NULL,
    PRIMARY KEY (file_id, width)
);
