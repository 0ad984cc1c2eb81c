-- 0006: repeals across issues matched by index (gongbao.store.repeals), not against every
-- stored document: each document's folded 文号 (matching.number_key) and the bigrams of its
-- folded title forms (matching.title_keys); each validity record's cited 文号 and the lead
-- bigrams of its cited titles' pieces (matching.title_pieces). `place`: the region the title
-- names first (matching.first_place; '' none), which two titles alike must not disagree on;
-- `length`: of the folded title form (matching.lengths_alike: alike titles have near lengths).
-- Written with the issue, deleted with its rows. Existing stores are keyed when the search
-- index is rebuilt, the next time the store is opened (search_meta.tokenizer = '': not built).
CREATE TABLE repeal_numbers (
    doc_id     TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    number_key TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX repeal_numbers_key ON repeal_numbers (number_key);
CREATE TABLE repeal_title_grams (
    gram   TEXT NOT NULL,
    place  TEXT NOT NULL,
    length INTEGER NOT NULL,
    doc_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    PRIMARY KEY (gram, place, length, doc_id)
) WITHOUT ROWID;
CREATE INDEX repeal_title_grams_doc ON repeal_title_grams (doc_id, gram);
CREATE TABLE repeal_citations (
    kind      TEXT NOT NULL,              -- number | title
    cited     TEXT NOT NULL,
    place     TEXT NOT NULL,
    length    INTEGER NOT NULL,           -- 0 for a number
    record_id INTEGER NOT NULL REFERENCES layer_records (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, cited, place, length, record_id)
) WITHOUT ROWID;
CREATE INDEX repeal_citations_record ON repeal_citations (record_id);
UPDATE search_meta SET value = '' WHERE key = 'tokenizer';
