-- 0003: layer records (gongbao.extract.*: personnel, duties, tasks, hazards, citations,
-- validity), one row per record, written in the same transaction as the documents they were
-- read from (SQLiteStore.save_parse → gongbao.store.layers) and deleted with them.
-- Stores from before this migration get their layers on the next `gongbao reparse`.

CREATE TABLE layer_records (
    id          INTEGER PRIMARY KEY,
    gazette_id  TEXT NOT NULL REFERENCES gazettes (id) ON DELETE CASCADE,
    doc_id      TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    layer       TEXT NOT NULL,
    seq         INTEGER NOT NULL,             -- order of the record within its issue and layer
    span_start  INTEGER NOT NULL,             -- [start, end) in sources.text
    span_end    INTEGER NOT NULL,
    data        TEXT NOT NULL CHECK (json_valid(data)),  -- the export record (SCHEMA.md, layers)
    confidence  REAL NOT NULL,
    -- The keys queries filter on, readable by indexes. person: a personnel person or a
    -- duties leader; date: the document's date every layer record carries.
    person      TEXT GENERATED ALWAYS AS (coalesce(json_extract(data, '$.person'), json_extract(data, '$.leader'))) VIRTUAL,
    deadline    TEXT GENERATED ALWAYS AS (json_extract(data, '$.deadline')) VIRTUAL,
    enterprise  TEXT GENERATED ALWAYS AS (json_extract(data, '$.enterprise')) VIRTUAL,
    action      TEXT GENERATED ALWAYS AS (json_extract(data, '$.action')) VIRTUAL,
    date        TEXT GENERATED ALWAYS AS (json_extract(data, '$.date')) VIRTUAL,
    UNIQUE (gazette_id, layer, seq)
);
CREATE INDEX layer_records_layer ON layer_records (layer, date);
CREATE INDEX layer_records_doc ON layer_records (doc_id);
CREATE INDEX layer_records_person ON layer_records (person) WHERE person IS NOT NULL;
CREATE INDEX layer_records_deadline ON layer_records (layer, deadline) WHERE deadline IS NOT NULL;
CREATE INDEX layer_records_enterprise ON layer_records (enterprise) WHERE enterprise IS NOT NULL;

-- Units a record names (organisation, supervising_unit, units, lead/responsible/cooperating
-- units…): several per record, so a row each rather than a generated column. `canonical` is
-- the name normalized for the gazette's region (gongbao.extract.orgs).
CREATE TABLE layer_units (
    record_id INTEGER NOT NULL REFERENCES layer_records (id) ON DELETE CASCADE,
    unit      TEXT NOT NULL,                  -- as printed
    canonical TEXT NOT NULL,
    PRIMARY KEY (record_id, unit)
) WITHOUT ROWID;
CREATE INDEX layer_units_canonical ON layer_units (canonical);
CREATE INDEX layer_units_unit ON layer_units (unit);
