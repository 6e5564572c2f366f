-- The SHA-256 of the camera's original, computed on the phone before it downscaled the photo. The
-- stored file is the downscaled copy, so without it the same picture re-encoded by two phones would
-- not be recognised as reused.
ALTER TABLE photos ADD COLUMN original_sha256 TEXT;
CREATE INDEX photos_original_sha_idx ON photos(original_sha256);
