-- 0004: a document carried by a 印发 notice (方案/办法, parent_seq set) has no issuer or
-- date of its own; facets, filters, sorting and feeds use its notice's (search.index.entries).
-- These flags say which values were taken from the notice, so hits can say so; the
-- document record keeps null (SCHEMA.md). Existing rows are rebuilt from the documents
-- when the store is next opened (search_meta.tokenizer = '' means "not built yet").
ALTER TABLE search_docs ADD COLUMN issuer_inherited INTEGER NOT NULL DEFAULT 0;
ALTER TABLE search_docs ADD COLUMN date_inherited INTEGER NOT NULL DEFAULT 0;
UPDATE search_meta SET value = '' WHERE key = 'tokenizer';
