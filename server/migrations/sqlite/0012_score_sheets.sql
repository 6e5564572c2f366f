-- Versions of the audit score sheets, one series per kind of site (community, unit, enterprise,
-- public building), each whole as JSON, in force from its day. A version is never changed once
-- written: an audit records the version it was scored with, and a new version is a new row.
CREATE TABLE score_sheets (
    kind           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    effective_from TEXT NOT NULL,      -- YYYY-MM-DD
    source         TEXT NOT NULL,
    sheet          TEXT NOT NULL,      -- ScoreSheet as JSON
    created_at     TEXT NOT NULL,
    created_by     BLOB REFERENCES users(id),
    PRIMARY KEY (kind, version)
);
CREATE TRIGGER score_sheets_no_update BEFORE UPDATE ON score_sheets
BEGIN SELECT RAISE(ABORT, 'score sheet versions are never changed'); END;
CREATE TRIGGER score_sheets_no_delete BEFORE DELETE ON score_sheets
BEGIN SELECT RAISE(ABORT, 'score sheet versions are never deleted'); END;
