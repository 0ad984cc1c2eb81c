-- 0005: repeals of documents, in their own issue or across issues, recorded when the issues are
-- stored (gongbao.store.repeals): what "in force on a day" reads, in search and in the validity
-- view alike. doc_id is repealed by repealed_by from repealed_on (NULL: unknown, from the start).
-- Existing stores are matched again with the search index, which is rebuilt when the store is
-- next opened (search_meta.tokenizer = '' means "not built yet").
CREATE TABLE validity_repeals (
    doc_id      TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    repealed_by TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    repealed_on TEXT,
    PRIMARY KEY (doc_id, repealed_by)
);
CREATE INDEX validity_repeals_by ON validity_repeals (repealed_by);
-- The validity keys "in force" reads, as PostgreSQL's layer_records has them.
ALTER TABLE layer_records ADD COLUMN effective_from TEXT GENERATED ALWAYS AS (json_extract(data, '$.effective_from')) VIRTUAL;
ALTER TABLE layer_records ADD COLUMN expires_on TEXT GENERATED ALWAYS AS (json_extract(data, '$.expires_on')) VIRTUAL;
UPDATE search_meta SET value = '' WHERE key = 'tokenizer';
