-- Every usage record's insert also wrote the (model, created_at) and (provider,
-- created_at) indexes: two more B-tree inserts and two more pages appended to the WAL
-- (and checksummed) at each commit. They served only usage reports filtered by model or
-- provider, which now read the time range through `usage_records_created_at` and filter
-- it: no more rows than the same report without the filter, which reads them all anyway
-- (reports group and compute percentiles from every matching row). Budgets keep
-- `usage_records_key_time`; time ranges keep `usage_records_created_at`.
DROP INDEX IF EXISTS usage_records_model_time;
DROP INDEX IF EXISTS usage_records_provider_time;
