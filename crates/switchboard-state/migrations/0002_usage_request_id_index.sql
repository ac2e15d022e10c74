-- No query looks usage records up by request id, and the index cost every insert a write
-- at a random place in a B-tree (request ids are random), which mostly missed the page
-- cache of a large database.
DROP INDEX IF EXISTS usage_records_request_id;
