-- 0008: a region filter given by name (东城区, 城区) looks up the codes of the stored issues of
-- that name (SELECT DISTINCT region_code FROM gazettes WHERE region = ?): a scan of every issue
-- row, meta_json and all — 1–2 ms at 100k documents, ~15 ms at 1M, in each such search. Indexed
-- with the code beside the name, the lookup reads the index alone.
CREATE INDEX IF NOT EXISTS gazettes_region ON gazettes (region, region_code);
