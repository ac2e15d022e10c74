-- switchboard state, schema version 1.
--
-- Released migrations are never edited: a change to the schema is a new, higher-numbered
-- file (see the crate README). The SQL is written to run on SQLite and on PostgreSQL
-- alike; the few SQLite-only bits are marked "SQLite:" with what PostgreSQL would use.
--
-- Conventions:
-- - Times are INTEGER milliseconds since the Unix epoch, UTC (`*_at` columns).
-- - JSON is kept as TEXT (PostgreSQL could use JSONB later; the code reads and writes text).
-- - Money is REAL US dollars (PostgreSQL: DOUBLE PRECISION; REAL there is 4 bytes, so a
--   PostgreSQL migration set would spell it DOUBLE PRECISION).
-- - Booleans are BOOLEAN with TRUE/FALSE (SQLite stores 1/0).

-- Providers created at run time. `config` is the adapter's JSON config with every secret
-- field replaced by its ciphertext (`v1:<key version>:<base64>`), never the clear value.
CREATE TABLE providers (
    name        TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL,
    config      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Models created at run time: the name clients ask for, the provider deployments that
-- serve it (JSON array), other settings (JSON object), and at most one default.
CREATE TABLE models (
    name         TEXT    PRIMARY KEY,
    deployments  TEXT    NOT NULL,
    config       TEXT    NOT NULL,
    is_default   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- Only one row may be the default (a partial unique index; both databases have them).
CREATE UNIQUE INDEX models_one_default ON models (is_default) WHERE is_default = TRUE;

-- Virtual keys. The key itself is shown once at creation and never stored: `hash` is the
-- SHA-256 (hex) of the whole key, `prefix` its first characters, shown to recognise it.
-- `models` is a JSON array of allowed model names (NULL: every model); `limits` a JSON
-- object (NULL: none).
CREATE TABLE virtual_keys (
    id              TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    owner           TEXT,
    prefix          TEXT    NOT NULL,
    hash            TEXT    NOT NULL UNIQUE,
    models          TEXT,
    limits          TEXT,
    budget_daily    REAL,
    budget_monthly  REAL,
    expires_at      INTEGER,
    revoked_at      INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- One row per completed request.
-- SQLite: `INTEGER PRIMARY KEY` is the rowid alias and numbers rows by itself;
-- PostgreSQL would say `BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY`.
CREATE TABLE usage_records (
    id                 INTEGER PRIMARY KEY,
    request_id         TEXT    NOT NULL,
    key_id             TEXT,
    model              TEXT    NOT NULL,
    provider           TEXT    NOT NULL,
    status             INTEGER NOT NULL,
    prompt_tokens      INTEGER NOT NULL,
    completion_tokens  INTEGER NOT NULL,
    cached_tokens      INTEGER NOT NULL,
    estimated          BOOLEAN NOT NULL,
    cost_usd           REAL    NOT NULL,
    latency_ms         INTEGER NOT NULL,
    created_at         INTEGER NOT NULL
);

-- The aggregations filter by time, then by key, model or provider; budget checks sum one
-- key's cost since a time.
CREATE INDEX usage_records_created_at ON usage_records (created_at);
CREATE INDEX usage_records_key_time ON usage_records (key_id, created_at);
CREATE INDEX usage_records_model_time ON usage_records (model, created_at);
CREATE INDEX usage_records_provider_time ON usage_records (provider, created_at);
CREATE INDEX usage_records_request_id ON usage_records (request_id);

-- Stored responses (the durable backend of the Responses store), as the JSON text sent to
-- the client. `previous_response_id` is not a foreign key: the response it names may have
-- expired or been deleted while this one lives on.
CREATE TABLE responses (
    id                    TEXT    PRIMARY KEY,
    previous_response_id  TEXT,
    response              TEXT    NOT NULL,
    input_items           TEXT    NOT NULL,
    expires_at            INTEGER,
    created_at            INTEGER NOT NULL
);

CREATE INDEX responses_expires_at ON responses (expires_at);

-- Item id → the stored response that holds it, in the response's order. The key is the
-- pair, not the item id alone: a client may send an earlier response's item (with its id)
-- as input again, so one item id can belong to several responses; the newest live one
-- answers a lookup.
CREATE TABLE response_items (
    item_id      TEXT    NOT NULL,
    response_id  TEXT    NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    PRIMARY KEY (item_id, response_id)
);

CREATE INDEX response_items_response ON response_items (response_id, position);

-- Limit counters of a single instance: one JSON state per scope (`key:team-a`, ...).
CREATE TABLE limit_counters (
    scope       TEXT    PRIMARY KEY,
    state       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Every admin change: who, what, when. `detail` is JSON and never holds a secret.
-- SQLite: rowid alias as above.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    target  TEXT    NOT NULL,
    detail  TEXT    NOT NULL
);

CREATE INDEX audit_log_at ON audit_log (at);
