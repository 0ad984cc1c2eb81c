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
