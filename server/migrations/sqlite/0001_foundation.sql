-- Foundation: districts, users, sessions, sign-in throttling, the audit log, and the first cut of
-- the site registry (extended by the registry issue).
-- UUIDs are 16-byte BLOBs; timestamps are RFC 3339 text in UTC (sqlx `time` encoding).

CREATE TABLE districts (
    id          BLOB PRIMARY KEY NOT NULL,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL CHECK (kind IN ('district', 'zone')),
    created_at  TEXT NOT NULL,
    CONSTRAINT districts_code_key UNIQUE (code)
);

CREATE TABLE users (
    id             BLOB PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('inspector', 'supervisor', 'admin')),
    district_id    BLOB REFERENCES districts(id),
    password_hash  TEXT NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);

-- Only the SHA-256 of a session token is stored: a copy of the database does not let anyone in.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY NOT NULL,
    user_id       BLOB NOT NULL REFERENCES users(id),
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions(user_id);

-- Failed sign-ins per key ('u:<username>' or 'ip:<address>'); unix seconds.
CREATE TABLE login_failures (
    key              TEXT PRIMARY KEY NOT NULL,
    failures         INTEGER NOT NULL,
    last_failure_at  INTEGER NOT NULL
);

-- Append-only: who did what, when.
CREATE TABLE audit_log (
    id         BLOB PRIMARY KEY NOT NULL,
    at         TEXT NOT NULL,
    actor_id   BLOB REFERENCES users(id),
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log(at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE sites (
    id              BLOB PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('venue', 'shop', 'community', 'unit', 'enterprise', 'public_building')),
    name            TEXT NOT NULL,
    address         TEXT NOT NULL DEFAULT '',
    district_id     BLOB NOT NULL REFERENCES districts(id),
    parent_id       BLOB REFERENCES sites(id),
    lat             REAL NOT NULL,
    lon             REAL NOT NULL,
    geofence_m      INTEGER NOT NULL DEFAULT 150,
    contact         TEXT NOT NULL DEFAULT '',
    credit_code     TEXT NOT NULL DEFAULT '',
    external_code   TEXT NOT NULL,
    households      INTEGER,
    annual_water_m3 REAL,
    unit_type       TEXT,
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CONSTRAINT sites_external_code_key UNIQUE (kind, external_code)
);
CREATE INDEX sites_district_idx ON sites(district_id);
