-- 0002: the issuer filter through an index. A joint issue's issuer column lists its
-- issuers joined by 、 (or ，); filtering by one of them tested every row's string
-- (a sequential scan at any size). Indexed instead: the list as an array, GIN.

CREATE INDEX search_docs_issuers ON search_docs USING gin (string_to_array(replace(issuer, '，', '、'), '、'));
