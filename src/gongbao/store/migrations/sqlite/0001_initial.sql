-- 0001: first schema. One row in `gazettes` per stored issue; everything else
-- hangs off it with ON DELETE CASCADE, so replacing an issue is one DELETE.
-- Offsets are character offsets into sources.text, half-open [start, end).

CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
);

CREATE TABLE gazettes (
    id             TEXT PRIMARY KEY,          -- "{region_code}/{year}/{issue}", else sha256[:12]
    sha256         TEXT NOT NULL UNIQUE,      -- of the raw input bytes: the identity of a parse
    source_name    TEXT NOT NULL,
    encoding       TEXT NOT NULL,
    size_bytes     INTEGER NOT NULL,
    title          TEXT,
    region         TEXT,
    region_code    TEXT,
    year           INTEGER,
    issue          INTEGER,
    total_issue    INTEGER,
    published      TEXT,
    frequency      TEXT,
    sponsor        TEXT,
    meta_json      TEXT NOT NULL,             -- the whole GazetteMeta, spans and confidence included
    region_json    TEXT,                      -- the RegionGuess, if any
    document_count INTEGER NOT NULL,
    parser_version TEXT NOT NULL,
    parse_digest   TEXT NOT NULL,             -- sha256 of everything parsed: tells a real reparse from a rerun
    ingested_at    TEXT NOT NULL
);
CREATE INDEX gazettes_key ON gazettes (region_code, year, issue);

-- Kept apart from `gazettes` so that listing issues does not read whole texts.
CREATE TABLE sources (
    gazette_id TEXT PRIMARY KEY REFERENCES gazettes (id) ON DELETE CASCADE,
    text       TEXT NOT NULL
);

CREATE TABLE documents (
    id          TEXT PRIMARY KEY,             -- "{gazette_id}/{seq}"
    gazette_id  TEXT NOT NULL REFERENCES gazettes (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL CHECK (typeof(seq) = 'integer' AND seq >= 1),
    parent_seq  INTEGER,
    section     TEXT,
    issuer      TEXT,
    doc_number  TEXT,
    agency_code TEXT,
    year        INTEGER,
    serial      INTEGER,
    title       TEXT NOT NULL,
    doc_type    TEXT,
    date        TEXT,
    disclosure  TEXT,
    body        TEXT,
    record_json TEXT NOT NULL,                -- the export record exactly as given
    UNIQUE (gazette_id, seq),
    -- Deferred: a carried document may be saved before its carrying notice.
    FOREIGN KEY (gazette_id, parent_seq) REFERENCES documents (gazette_id, seq)
        DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX documents_doc_number ON documents (doc_number);
CREATE INDEX documents_number_parts ON documents (agency_code, year, serial);
CREATE INDEX documents_issuer ON documents (issuer);
CREATE INDEX documents_date ON documents (date);

CREATE TABLE toc_entries (
    gazette_id   TEXT NOT NULL REFERENCES gazettes (id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    section      TEXT,
    title        TEXT NOT NULL,
    doc_number   TEXT,
    page         INTEGER,
    start_offset INTEGER NOT NULL,
    end_offset   INTEGER NOT NULL,
    matched_seq  INTEGER,
    match_score  REAL NOT NULL,
    PRIMARY KEY (gazette_id, ordinal),
    FOREIGN KEY (gazette_id, matched_seq) REFERENCES documents (gazette_id, seq)
        DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE repairs (
    gazette_id   TEXT NOT NULL REFERENCES gazettes (id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset   INTEGER NOT NULL,
    before       TEXT NOT NULL,
    after        TEXT NOT NULL,
    rule         TEXT NOT NULL,
    PRIMARY KEY (gazette_id, ordinal)
);

CREATE TABLE unplaced (
    gazette_id   TEXT NOT NULL REFERENCES gazettes (id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset   INTEGER NOT NULL,
    text         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    PRIMARY KEY (gazette_id, ordinal)
);

CREATE TABLE warnings (
    gazette_id   TEXT NOT NULL REFERENCES gazettes (id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    code         TEXT NOT NULL,
    message      TEXT NOT NULL,
    start_offset INTEGER,
    end_offset   INTEGER,
    seq          INTEGER,
    PRIMARY KEY (gazette_id, ordinal)
);

-- Parses that a later one replaced. No foreign key: they outlive their gazette row.
CREATE TABLE gazette_history (
    history_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    gazette_id         TEXT NOT NULL,
    sha256             TEXT NOT NULL,
    source_name        TEXT NOT NULL,
    parser_version     TEXT NOT NULL,
    ingested_at        TEXT NOT NULL,
    replaced_at        TEXT NOT NULL,
    replaced_by_sha256 TEXT NOT NULL,
    source_text        TEXT NOT NULL,
    snapshot_json      TEXT NOT NULL      -- gazette row, records, toc, repairs, unplaced, warnings
);
CREATE INDEX gazette_history_gazette ON gazette_history (gazette_id);
