-- Site registry: where a position was typed from, closing with history, titles, yearly statistics,
-- and staged imports (a file is checked and previewed before anything is written).

ALTER TABLE sites ADD COLUMN source_lat REAL;
ALTER TABLE sites ADD COLUMN source_lon REAL;
ALTER TABLE sites ADD COLUMN source_system TEXT NOT NULL DEFAULT 'wgs84';
ALTER TABLE sites ADD COLUMN closed_at TEXT;
CREATE INDEX sites_kind_idx ON sites(kind, active);

-- A water-saving title held by a site. Only provincial level or higher counts towards coverage.
CREATE TABLE site_titles (
    id           BLOB PRIMARY KEY NOT NULL,
    site_id      BLOB NOT NULL REFERENCES sites(id),
    level        TEXT NOT NULL CHECK (level IN ('national', 'provincial', 'city')),
    awarded_on   TEXT NOT NULL,          -- YYYY-MM-DD
    document_no  TEXT NOT NULL,          -- 文号
    valid_until  TEXT,                   -- YYYY-MM-DD, empty when open-ended
    created_by   BLOB REFERENCES users(id),
    created_at   TEXT NOT NULL
);
CREATE INDEX site_titles_site_idx ON site_titles(site_id);

-- Denominators from statistics, entered per year with their sources.
CREATE TABLE yearly_stats (
    year                    INTEGER PRIMARY KEY NOT NULL,
    urban_households        INTEGER,
    urban_households_source TEXT NOT NULL DEFAULT '',
    nonres_water_m3         REAL,
    nonres_water_source     TEXT NOT NULL DEFAULT '',
    industrial_water_m3     REAL,
    industrial_water_source TEXT NOT NULL DEFAULT '',
    updated_by              BLOB REFERENCES users(id),
    updated_at              TEXT NOT NULL
);

CREATE TABLE import_batches (
    id            BLOB PRIMARY KEY NOT NULL,
    created_by    BLOB NOT NULL REFERENCES users(id),
    created_at    TEXT NOT NULL,
    filename      TEXT NOT NULL,
    row_count     INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('invalid', 'ready', 'committed')),
    payload       TEXT NOT NULL,         -- JSON: checked rows when ready, problems when invalid
    committed_at  TEXT,
    inserted      INTEGER,
    updated       INTEGER
);
