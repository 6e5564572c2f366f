-- Market spot checks: an inspection's product lines with the verdict the server computed for each
-- (and the rules version that said so), the outcome, and submission.

ALTER TABLE inspections ADD COLUMN outcome TEXT;
ALTER TABLE inspections ADD COLUMN outcome_note TEXT NOT NULL DEFAULT '';
ALTER TABLE inspections ADD COLUMN rectify_by TEXT;           -- YYYY-MM-DD
ALTER TABLE inspections ADD COLUMN draft_digest TEXT;         -- SHA-256 of the last saved draft
ALTER TABLE inspections ADD COLUMN updated_at TEXT;
ALTER TABLE inspections ADD COLUMN submitted_at TEXT;
CREATE INDEX inspections_inspector_idx ON inspections(inspector_id, status, started_at);

CREATE TABLE inspection_lines (
    id             BLOB PRIMARY KEY NOT NULL,          -- made on the phone (UUIDv7)
    inspection_id  BLOB NOT NULL REFERENCES inspections(id),
    position       INTEGER NOT NULL,
    category       TEXT NOT NULL,
    brand          TEXT NOT NULL,
    model          TEXT NOT NULL,
    manufacturer   TEXT NOT NULL,
    label_present  INTEGER NOT NULL,
    grade          INTEGER,
    figure         REAL,
    figure2        REAL,
    quantity       INTEGER NOT NULL,
    phased_out     INTEGER NOT NULL,
    filing_no      TEXT NOT NULL,
    note           TEXT NOT NULL,
    edited_at      INTEGER,
    verdict        TEXT NOT NULL,
    reason_zh      TEXT NOT NULL,
    reason_en      TEXT NOT NULL,
    rules_version  INTEGER NOT NULL REFERENCES fixture_rules(version)
);
CREATE INDEX inspection_lines_inspection_idx ON inspection_lines(inspection_id, position);
CREATE INDEX inspection_lines_brand_idx ON inspection_lines(brand);
