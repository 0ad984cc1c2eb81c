-- 0007: a region filter given by name (东城区, 城区) looks up the codes of the stored issues of
-- that name (SELECT DISTINCT region_code FROM gazettes WHERE region = %s): a sequential scan of
-- every issue row in each such search. Indexed with the code beside the name: an index-only scan.
CREATE INDEX IF NOT EXISTS gazettes_region ON gazettes (region, region_code);
