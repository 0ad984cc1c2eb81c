-- 0002: full-text search (gongbao.search). Written in the same transaction as the
-- documents they index (SQLiteStore.save_parse), rebuilt by rebuild_search_index().
-- Existing stores: the rows are built in Python when the store is next opened
-- (search_meta.tokenizer = '' means "not built yet").

-- Every combination of facet values that documents have, with how many do: facet
-- counts are GROUP BYs over combinations (a handful per issue), not over documents.
CREATE TABLE search_combos (
    combo       INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,         -- the values below, tab separated
    region_code TEXT,
    issuer      TEXT,
    agency_code TEXT,
    doc_type    TEXT,
    year        INTEGER,
    gazette_id  TEXT,
    section     TEXT,
    level       TEXT NOT NULL,
    documents   INTEGER NOT NULL              -- documents with these values, kept by the store
);

-- One row per document: filters, facets and sort keys.
CREATE TABLE search_docs (
    sid         INTEGER PRIMARY KEY,          -- rowid of the document in search_fts
    doc_id      TEXT NOT NULL UNIQUE REFERENCES documents (id) ON DELETE CASCADE,
    gazette_id  TEXT NOT NULL,
    region_code TEXT,
    issuer      TEXT,
    agency_code TEXT,
    doc_type    TEXT,
    year        INTEGER,                      -- of date, else of the 文号
    date        TEXT,                         -- 成文日期; a carried document's is its notice's
    published   TEXT,                         -- of the gazette
    section     TEXT,
    level       TEXT NOT NULL,                -- top | carried
    doc_number  TEXT,
    parent_id   TEXT,
    sort_key    TEXT NOT NULL,                -- "date|published": newest/oldest order
    sample      INTEGER NOT NULL,             -- (sid * 2654435761) % 2^32: facet samples
    combo       INTEGER NOT NULL REFERENCES search_combos (combo)
);
CREATE INDEX search_docs_gazette ON search_docs (gazette_id, sort_key);
CREATE INDEX search_docs_sort ON search_docs (sort_key, sid);
CREATE INDEX search_docs_sample ON search_docs (sample);
CREATE INDEX search_docs_region ON search_docs (region_code, sort_key);
CREATE INDEX search_docs_year ON search_docs (year, sort_key);
CREATE INDEX search_docs_doc_type ON search_docs (doc_type, sort_key);
-- No index on combo: SQLite would walk it for GROUP BY combo instead of the sample.

-- The texts as printed (excerpts) and as their word columns were indexed: search_fts
-- stores no content, and removing a row from it needs exactly what was inserted.
-- Long texts are zlib-compressed UTF-8 (a third of their size; read a page at a time).
CREATE TABLE search_text (
    sid         INTEGER PRIMARY KEY REFERENCES search_docs (sid) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    body        BLOB NOT NULL,                -- zlib(body)
    info        TEXT NOT NULL,                -- 文号, issuer, signer, recipients, attachments
    words       BLOB NOT NULL,                -- zlib(title words NUL body words NUL info words)
    filters     TEXT NOT NULL                 -- filter tokens
);

-- Tokens are made in Python (gongbao.search.tokenize) and joined with spaces, so the
-- ascii tokenizer only splits on them. *_w: words, *_b: character bigrams.
CREATE VIRTUAL TABLE search_fts USING fts5 (
    title_w, body_w, info_w, title_b, body_b, info_b, filters,
    content = '', tokenize = 'ascii'
);

-- The tokenizer's user dictionary: organisation and place names from stored documents.
CREATE TABLE search_terms (
    id   INTEGER PRIMARY KEY,
    term TEXT NOT NULL UNIQUE
);

CREATE TABLE search_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO search_meta (key, value) VALUES ('tokenizer', '');

-- 文号 misprints are looked up by year and serial (gongbao.search.docnumber).
CREATE INDEX documents_year_serial ON documents (year, serial);
