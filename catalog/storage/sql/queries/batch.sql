-- name: batch_try_lock
-- Session-level: held for the whole run, across its several transactions.
SELECT pg_try_advisory_lock($1);

-- name: batch_unlock
SELECT pg_advisory_unlock($1);

-- name: batch_area_level
SELECT level FROM areas WHERE code = $1;

-- name: batch_due_pending
-- What the sweep would expire now (for --dry-run, which does not sweep).
SELECT count(*) FROM assignments WHERE status = 'pending' AND expires_at <= $1;

-- name: batch_open_projects
-- Projects the optimiser may propose: published, in 优化派单 mode, or in 认领 mode with the claim
-- deadline passed. $1 community or $2 street narrows the scope; both NULL is the whole county.
-- The point falls back to the community centre.
SELECT p.id, p.number, p.community_code, a.parent_code AS street_code,
       coalesce(p.lat, a.lat) AS lat, coalesce(p.lon, a.lon) AS lon,
       c.parent_code AS category, p.category_code AS subcategory, p.required_skills,
       p.window_start, p.window_end, p.units_required, p.estimated_hours, p.priority, p.urgency,
       coalesce(p.published_at, p.created_at) AS published_at, p.updated_at
FROM projects p
JOIN areas a ON a.code = p.community_code
JOIN categories c ON c.code = p.category_code
WHERE p.status = 'published'
  AND (p.dispatch_mode = 'optimise'
       OR (p.dispatch_mode = 'claim' AND p.claim_deadline IS NOT NULL AND p.claim_deadline <= $3))
  AND ($1::text IS NULL OR p.community_code = $1)
  AND ($2::text IS NULL OR a.parent_code = $2)
ORDER BY p.id;

-- name: batch_open_resources
-- Published resources of active units, with the live work already on each resource and unit.
-- The live assignments are counted in one pass (the partial index on live work), never once per
-- resource: the assignments table keeps every finished assignment too.
WITH live AS MATERIALIZED (
    SELECT unit_id, resource_id FROM assignments WHERE status IN ('pending', 'active')
), by_resource AS (
    SELECT resource_id, count(*) AS n FROM live WHERE resource_id IS NOT NULL GROUP BY resource_id
), by_unit AS (
    SELECT unit_id, count(*) AS n FROM live GROUP BY unit_id
)
SELECT r.id, r.unit_id, c.parent_code AS category, r.category_code AS subcategory, r.skills,
       r.capacity_projects, r.capacity_hours, r.area_communities, r.centre_lat, r.centre_lon,
       r.radius_km, r.valid_from, r.valid_to, u.active_cap,
       coalesce(br.n, 0) AS live, coalesce(bu.n, 0) AS unit_live
FROM resources r
JOIN units u ON u.id = r.unit_id
JOIN categories c ON c.code = r.category_code
LEFT JOIN by_resource br ON br.resource_id = r.id
LEFT JOIN by_unit bu ON bu.unit_id = r.unit_id
WHERE r.status = 'published' AND u.status = 'active'
  AND (r.valid_to IS NULL OR r.valid_to >= $1::date)
ORDER BY r.id;

-- name: batch_declined_pairs
SELECT DISTINCT project_id, unit_id FROM assignments
WHERE status = 'declined' AND project_id = ANY($1::bigint[]);

-- name: batch_previous_proposals
-- The latest earlier lead proposal per project, for the stability term (declined ones are
-- excluded above; a helper's resource is not the one the project was proposed to).
SELECT DISTINCT ON (project_id) project_id, resource_id FROM assignments
WHERE kind = 'proposal' AND role = 'lead' AND status <> 'declined' AND resource_id IS NOT NULL
  AND project_id = ANY($1::bigint[]) AND resource_id = ANY($2::bigint[])
ORDER BY project_id, id DESC;

-- name: batch_lock_units
-- Every unit a run will write for, in id order, before any project row: the lock order.
SELECT id FROM units WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE;

-- name: batch_project_unchanged
-- The project as the snapshot saw it: still published and not touched since.
SELECT id FROM projects WHERE id = $1 AND status = 'published' AND updated_at = $2 FOR UPDATE;

-- name: batch_run_insert
INSERT INTO batch_runs (started_at, scope, seed, params, counts, objective, bound, gap, status)
VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8, $9)
RETURNING id, finished_at;

-- name: batch_due_pending_list
-- The claims and offers the sweep would expire now, for --dry-run.
SELECT p.number AS project, a.project_id, a.unit_id, a.kind, a.expires_at
FROM assignments a JOIN projects p ON p.id = a.project_id
WHERE a.status = 'pending' AND a.expires_at <= $1
ORDER BY a.expires_at, a.id;

-- name: batch_due_unrated
-- The projects the sweep would close as 未评价 now, for --dry-run.
SELECT count(*) FROM projects p JOIN closing_tokens t ON t.project_id = p.id
WHERE p.status = 'awaiting_close' AND t.used_at IS NULL AND t.expires_at <= $1;

-- name: batch_run_record
-- The whole run record at once, inside the write's transaction.
INSERT INTO batch_runs (started_at, scope, seed, params, counts, objective, bound, gap, status,
                        sweep, phases, supply_gap, communities)
VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12::jsonb, $13::text[])
RETURNING id, finished_at;

-- name: batch_explanations_record
INSERT INTO proposal_explanations (assignment_id, run_id, score, breakdown, runner_ups)
SELECT a, $2, s, b::json, r::json
FROM unnest($1::bigint[], $3::double precision[], $4::text[], $5::text[]) AS t(a, s, b, r);

-- name: batch_unmatched_insert
INSERT INTO batch_run_unmatched (run_id, project_id, reason, taken_by_resource_id, taken_by_project_id)
SELECT $1, p, r, tr, tp
FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::bigint[]) AS t(p, r, tr, tp);

-- name: batch_run_page
-- Run records, newest first (or oldest with $4), that looked at any of the communities $1
-- (NULL: all); $5 one scope, $6 one community.
SELECT id, started_at, finished_at, scope, seed, counts, objective, bound, gap, status, sweep, phases
FROM batch_runs
WHERE ($1::text[] IS NULL OR communities && $1::text[])
  AND ($5::text IS NULL OR scope = $5)
  AND ($6::text IS NULL OR $6 = ANY(communities))
  AND ($2::bigint IS NULL OR CASE WHEN $4::boolean THEN id > $2 ELSE id < $2 END)
ORDER BY CASE WHEN $4::boolean THEN id END, id DESC
LIMIT $3;

-- name: batch_run_get
-- One run record, if it looked at any of the communities $2 (NULL: all).
SELECT * FROM batch_runs WHERE id = $1 AND ($2::text[] IS NULL OR communities && $2::text[]);

-- name: batch_run_projects
-- What one run did with each project it wrote or left unmatched, in project order, with the
-- proposal's current status; only projects of the communities $2 (NULL: all). One row per
-- project: a team's is its lead's proposal (the helpers are on the project's own page).
WITH outcome AS (
    SELECT e.assignment_id, a.project_id, NULL::text AS reason,
           NULL::bigint AS taken_by_resource_id, NULL::bigint AS taken_by_project_id
    FROM proposal_explanations e JOIN assignments a ON a.id = e.assignment_id AND a.role = 'lead'
    WHERE e.run_id = $1
    UNION ALL
    SELECT NULL, u.project_id, u.reason, u.taken_by_resource_id, u.taken_by_project_id
    FROM batch_run_unmatched u WHERE u.run_id = $1
)
SELECT o.project_id, p.number AS project, p.community_code AS community, p.status AS project_status,
       o.reason, o.taken_by_resource_id, o.taken_by_project_id, t.number AS taken_by_project,
       a.id AS assignment_id, a.unit_id, a.resource_id, a.status AS assignment_status,
       e.score, e.breakdown, e.runner_ups
FROM outcome o
JOIN projects p ON p.id = o.project_id
LEFT JOIN assignments a ON a.id = o.assignment_id
LEFT JOIN proposal_explanations e ON e.assignment_id = o.assignment_id
LEFT JOIN projects t ON t.id = o.taken_by_project_id
WHERE ($2::text[] IS NULL OR p.community_code = ANY($2::text[]))
  AND ($3::bigint IS NULL OR o.project_id > $3)
ORDER BY o.project_id
LIMIT $4;

-- name: batch_street_communities
SELECT coalesce(array_agg(code ORDER BY code), '{}') FROM areas WHERE parent_code = $1 AND level = 'community';

-- name: batch_names
-- The names behind a run summary's ids: units $1, resources $2, areas $3.
SELECT 'unit' AS kind, id::text AS key, name FROM units WHERE id = ANY($1::bigint[])
UNION ALL
SELECT 'resource', id::text, title FROM resources WHERE id = ANY($2::bigint[])
UNION ALL
SELECT 'area', code, name FROM areas WHERE code = ANY($3::text[]);
