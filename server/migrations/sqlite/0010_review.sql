-- Review: supervisors' decisions with comments on lines, corrections as new outcome versions,
-- rectification orders closed by re-inspections; and the audit log as a hash chain.

ALTER TABLE inspections ADD COLUMN round INTEGER NOT NULL DEFAULT 1;            -- submissions so far
ALTER TABLE inspections ADD COLUMN outcome_version INTEGER NOT NULL DEFAULT 1;  -- +1 per correction
ALTER TABLE inspections ADD COLUMN reinspects BLOB;                             -- the order it re-inspects
ALTER TABLE inspections ADD COLUMN decided_at TEXT;
CREATE INDEX inspections_status_idx ON inspections(status, submitted_at);

CREATE TABLE reviews (
    id              BLOB PRIMARY KEY NOT NULL,
    inspection_id   BLOB NOT NULL REFERENCES inspections(id),
    round           INTEGER NOT NULL,
    reviewer_id     BLOB NOT NULL REFERENCES users(id),
    at              TEXT NOT NULL,
    action          TEXT NOT NULL CHECK (action IN ('approve', 'return', 'correct')),
    comment         TEXT NOT NULL DEFAULT '',
    outcome_before  TEXT,
    outcome         TEXT,
    rectify_by      TEXT,
    reason          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reviews_inspection_idx ON reviews(inspection_id, at);

CREATE TABLE review_comments (
    review_id  BLOB NOT NULL REFERENCES reviews(id),
    line_id    BLOB NOT NULL,
    text       TEXT NOT NULL
);
CREATE INDEX review_comments_review_idx ON review_comments(review_id);

CREATE TABLE rectifications (
    id             BLOB PRIMARY KEY NOT NULL,
    site_id        BLOB NOT NULL REFERENCES sites(id),
    inspection_id  BLOB NOT NULL REFERENCES inspections(id),   -- the approved check that opened it
    required       TEXT NOT NULL,
    due            TEXT NOT NULL,                              -- YYYY-MM-DD
    status         TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    opened_at      TEXT NOT NULL,
    closed_at      TEXT,
    closed_by      BLOB REFERENCES inspections(id)
);
CREATE INDEX rectifications_due_idx ON rectifications(status, due);
-- A shop has at most one open order: a later non-compliant finding moves its deadline.
CREATE UNIQUE INDEX rectifications_open_site_idx ON rectifications(site_id) WHERE status = 'open';

-- The chain: each entry's number, the hash of the entry before it, and its own. Entries written
-- before this migration are numbered in time order here and sealed by the server at start.
ALTER TABLE audit_log ADD COLUMN seq INTEGER;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
DROP TRIGGER audit_log_no_update;
UPDATE audit_log SET seq = r.n
  FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY at, id) AS n FROM audit_log) AS r
 WHERE r.id = audit_log.id;
CREATE UNIQUE INDEX audit_log_seq_idx ON audit_log(seq);
CREATE INDEX audit_log_unsealed_idx ON audit_log(seq) WHERE hash IS NULL;
-- An entry is sealed (its hashes written) in the transaction that adds it; a sealed entry never
-- changes.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN OLD.hash IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
