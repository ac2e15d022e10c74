-- Every usage record's insert also wrote the (key_id, created_at) index, records without
-- a virtual key (key_id NULL) included, which nothing looks up: on a gateway without keys,
-- a B-tree insert per record and a WAL page per commit for nothing. The index now holds
-- keyed records only. Budgets and key-filtered reports compare `key_id = ?`, which implies
-- `key_id IS NOT NULL`, so they still use it (SQLite and PostgreSQL alike).
DROP INDEX IF EXISTS usage_records_key_time;
CREATE INDEX usage_records_key_time ON usage_records (key_id, created_at)
    WHERE key_id IS NOT NULL;
