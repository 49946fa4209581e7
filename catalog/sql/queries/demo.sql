-- name: demo_has_data
SELECT EXISTS (SELECT 1 FROM units) OR EXISTS (SELECT 1 FROM needs);

-- name: demo_lock
-- Two demo loads started at once must not both pass the empty-database check.
SELECT pg_advisory_xact_lock(hashtext('sandan.demo'));

-- name: demo_counts
-- Per entity, a key (status, level or type) and how many rows have it.
SELECT 'areas' AS entity, level AS k, count(*) AS n FROM areas GROUP BY level
UNION ALL SELECT 'units', unit_type, count(*) FROM units GROUP BY unit_type
UNION ALL SELECT 'resources', status, count(*) FROM resources GROUP BY status
UNION ALL SELECT 'needs', status, count(*) FROM needs GROUP BY status
UNION ALL SELECT 'projects', status, count(*) FROM projects GROUP BY status
UNION ALL SELECT 'assignments', status, count(*) FROM assignments GROUP BY status;

-- name: demo_totals
SELECT (SELECT count(*) FROM progress_entries) AS progress_entries,
       (SELECT count(*) FROM ratings) AS ratings,
       (SELECT count(*) FROM credit_events) AS credit_events;
