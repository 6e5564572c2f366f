-- Where a photo came from, beyond its bytes.
-- original_sha256: the SHA-256 of the camera's original, computed on the phone before it downscaled
-- the photo. The stored file is the downscaled copy, so without it the same picture re-encoded by two
-- phones would not be recognised as reused.
-- fix_at: when the phone's position fix was measured (the Geolocation API's timestamp), which can be
-- older than the moment the photo was taken.
ALTER TABLE photos ADD COLUMN original_sha256 TEXT;
ALTER TABLE photos ADD COLUMN fix_at TEXT;
CREATE INDEX photos_original_sha_idx ON photos(original_sha256);
