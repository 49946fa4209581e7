-- name: stats_status_counts
-- Counts per list and status for the overview page; no personal data leaves this query.
SELECT 'need' AS list, status, count(*) AS n FROM needs GROUP BY status
UNION ALL
SELECT 'project', status, count(*) FROM projects GROUP BY status
UNION ALL
SELECT 'resource', status, count(*) FROM resources GROUP BY status
UNION ALL
SELECT 'unit', status, count(*) FROM units GROUP BY status;

-- name: stats_recent_public_projects
SELECT p.number, p.title, p.status, p.category_code, c.name AS category_name,
       a.name AS community_name, p.updated_at
FROM projects p
JOIN categories c ON c.code = p.category_code
JOIN areas a ON a.code = p.community_code
WHERE p.status NOT IN ('draft', 'cancelled')
ORDER BY p.updated_at DESC, p.id DESC
LIMIT $1;

-- name: stats_ping
SELECT 1;
