-- Audits scored against a score sheet (issue 11). An audit is an inspection of kind 'audit'; its
-- draft and result live beside it: the sheet version it is scored with (fixed at the first save, so
-- a later version never changes it), what the auditor recorded (items, fixture counts, the site's
-- facts as found, as the draft contract's JSON) and the score computed from them.
CREATE TABLE audit_results (
    inspection_id  BLOB PRIMARY KEY NOT NULL REFERENCES inspections(id),
    sheet_kind     TEXT NOT NULL,
    sheet_version  INTEGER NOT NULL,
    draft          TEXT NOT NULL,       -- {items, fixture_counts, facts}
    total          INTEGER NOT NULL,    -- tenths of a point
    applicable_max INTEGER NOT NULL,    -- tenths of a point
    pass_mark      INTEGER NOT NULL,    -- tenths, of 100
    passed         INTEGER NOT NULL,
    fixture_rate   REAL,
    FOREIGN KEY (sheet_kind, sheet_version) REFERENCES score_sheets(kind, version)
);

-- An approved, passing audit recommended for a title at a level (by a supervisor).
ALTER TABLE inspections ADD COLUMN recommended_level TEXT
    CHECK (recommended_level IN ('national', 'provincial', 'city'));

-- A title recorded from the audit behind it.
ALTER TABLE site_titles ADD COLUMN audit_id BLOB REFERENCES inspections(id);
CREATE UNIQUE INDEX site_titles_audit_idx ON site_titles(audit_id) WHERE audit_id IS NOT NULL;

-- A site fact (households, annual water use) corrected by an approved audit: the old value is kept.
CREATE TABLE site_fact_changes (
    id             BLOB PRIMARY KEY NOT NULL,
    site_id        BLOB NOT NULL REFERENCES sites(id),
    inspection_id  BLOB NOT NULL REFERENCES inspections(id),
    fact           TEXT NOT NULL CHECK (fact IN ('households', 'annual_water_m3')),
    old_value      REAL,
    new_value      REAL NOT NULL,
    at             TEXT NOT NULL
);
CREATE INDEX site_fact_changes_site_idx ON site_fact_changes(site_id, at);
