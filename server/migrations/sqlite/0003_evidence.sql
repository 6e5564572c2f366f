-- Evidence: a minimal inspection record (completed by the market-check and audit issues) and photos.

CREATE TABLE inspections (
    id                BLOB PRIMARY KEY NOT NULL,   -- made on the phone (UUIDv7)
    kind              TEXT NOT NULL CHECK (kind IN ('market_check', 'audit')),
    site_id           BLOB NOT NULL REFERENCES sites(id),
    inspector_id      BLOB NOT NULL REFERENCES users(id),
    started_at        TEXT NOT NULL,
    start_lat         REAL,
    start_lon         REAL,
    start_accuracy_m  REAL,
    status            TEXT NOT NULL DEFAULT 'draft',
    created_at        TEXT NOT NULL
);
CREATE INDEX inspections_site_idx ON inspections(site_id);

CREATE TABLE photos (
    id             BLOB PRIMARY KEY NOT NULL,      -- made on the phone: a retry never duplicates
    inspection_id  BLOB NOT NULL REFERENCES inspections(id),
    line_id        BLOB,
    sha256         TEXT NOT NULL,
    bytes          INTEGER NOT NULL,
    mime           TEXT NOT NULL,
    width          INTEGER,
    height         INTEGER,
    exif           TEXT NOT NULL,                  -- JSON facts read on the server
    client_exif    TEXT NOT NULL DEFAULT '{}',     -- JSON facts the phone read before re-encoding
    device_lat     REAL,
    device_lon     REAL,
    accuracy_m     REAL,
    captured_at    TEXT,
    received_at    TEXT NOT NULL,
    uploaded_by    BLOB NOT NULL REFERENCES users(id),
    flags          TEXT NOT NULL                   -- JSON list of integrity flags
);
CREATE INDEX photos_sha_idx ON photos(sha256);
CREATE INDEX photos_inspection_idx ON photos(inspection_id);
