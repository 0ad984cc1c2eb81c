-- 0006: what a new repeal is matched against, by index (gongbao.store.repeals): each
-- document's folded 文号 (matching.number_key) and the bigrams of its folded title forms
-- (matching.title_keys), written with the document, deleted with it. Existing stores are
-- keyed when the search index is rebuilt, the next time the store is opened
-- (search_meta.tokenizer = '' means "not built yet").
CREATE TABLE repeal_numbers (
    doc_id     TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    number_key TEXT NOT NULL
);
CREATE INDEX repeal_numbers_key ON repeal_numbers (number_key);
CREATE TABLE repeal_title_grams (
    gram   TEXT NOT NULL,
    doc_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    PRIMARY KEY (gram, doc_id)
);
CREATE INDEX repeal_title_grams_doc ON repeal_title_grams (doc_id);
UPDATE search_meta SET value = '' WHERE key = 'tokenizer';
