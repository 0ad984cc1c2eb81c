-- 0003: the bigram index of a pseudo-random eighth of the documents (sample < 2^29, the
-- sample levels 3 and above). A search of many matches counts them, with their facets, on a
-- sample (store/postgres_search.py, _tally). The whole-store GIN index gives every candidate
-- of a word of several bigrams, and the planner, multiplying the bigrams' frequencies,
-- expects a handful and reads them all (~100k heap rows at 1M documents) before keeping the
-- sampled ones. This index holds only the sampled documents' bigrams: the candidates read are
-- an eighth. Cost: one document in eight is indexed twice on ingest.

CREATE INDEX search_docs_grams_sampled ON search_docs USING gin (grams) WHERE sample < 536870912;
