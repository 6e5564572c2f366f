-- Versions of the market-check rules (fixture categories, grades, thresholds, label catalogue,
-- phased-out limits), each whole as JSON, in force from its day. A version is never changed once
-- written: a verdict records the version that produced it, and a new version is a new row.
CREATE TABLE fixture_rules (
    version        INTEGER PRIMARY KEY,
    effective_from TEXT NOT NULL,      -- YYYY-MM-DD
    source         TEXT NOT NULL,
    rules          TEXT NOT NULL,      -- RuleSet as JSON
    created_at     TEXT NOT NULL,
    created_by     BLOB REFERENCES users(id)
);
CREATE TRIGGER fixture_rules_no_update BEFORE UPDATE ON fixture_rules
BEGIN SELECT RAISE(ABORT, 'rule versions are never changed'); END;
CREATE TRIGGER fixture_rules_no_delete BEFORE DELETE ON fixture_rules
BEGIN SELECT RAISE(ABORT, 'rule versions are never deleted'); END;
