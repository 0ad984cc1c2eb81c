-- 0007: a browse filtering facet values only is counted over search_combos (every combination of
-- facet values and its number of documents): tens of thousands of rows in a store of 100k
-- documents, read whole for every count and drill-down facet (~3 ms each). An index per filtered
-- column reads only the combinations of the value asked for.
CREATE INDEX search_combos_region ON search_combos (region_code);
CREATE INDEX search_combos_issuer ON search_combos (issuer);
CREATE INDEX search_combos_agency ON search_combos (agency_code);
CREATE INDEX search_combos_doc_type ON search_combos (doc_type);
CREATE INDEX search_combos_year ON search_combos (year);
CREATE INDEX search_combos_gazette ON search_combos (gazette_id);
CREATE INDEX search_combos_section ON search_combos (section);
CREATE INDEX search_combos_level ON search_combos (level);

-- The year token of a document carries the month of its 成文日期 (fyear2023m07: one token, so
-- bm25 scores do not move); the year filter and a whole year of a date range are prefixes of it
-- (fyear2023*, fyear2023m*). Prefix indexes of 9 and 10 characters answer those as one posting
-- list each; without them FTS5 merged every month's list of the year before the first row
-- (3 ms at 100k documents, ten times that at 1M). Only tokens that long get entries: filter
-- tokens and a few long words. The index is rebuilt when the store is next opened.
DROP TABLE search_fts;
CREATE VIRTUAL TABLE search_fts USING fts5 (
    title_w, body_w, info_w, title_b, body_b, info_b, filters,
    content = '', tokenize = 'ascii', prefix = '9 10'
);
UPDATE search_meta SET value = '' WHERE key = 'tokenizer';
