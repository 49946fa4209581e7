-- Read-only figures for the pictures (maps and charts). The scope arrives as $1: the communities
-- the reader may see (NULL: the whole county). No query here returns a resident's name or phone.

-- name: chart_areas
-- Streets and communities with their names, for choosing and naming a scope.
SELECT code, level, name, parent_code FROM areas
WHERE level IN ('street', 'community')
ORDER BY code;

-- name: chart_categories
SELECT code, name, parent_code, sort_order FROM categories ORDER BY sort_order, code;

-- name: chart_demand_by_category
-- Needs recorded (rejected and withdrawn ones left out) and projects still waiting for a unit,
-- per second-level category.
SELECT category_code, sum(needs)::bigint AS needs, sum(open_projects)::bigint AS open_projects
FROM (
    SELECT n.category_code, count(*) AS needs, 0 AS open_projects
    FROM needs n
    WHERE ($1::text[] IS NULL OR n.community_code = ANY($1::text[]))
      AND n.status NOT IN ('rejected', 'withdrawn')
    GROUP BY n.category_code
    UNION ALL
    SELECT p.category_code, 0, count(*)
    FROM projects p
    WHERE ($1::text[] IS NULL OR p.community_code = ANY($1::text[]))
      AND p.status IN ('published', 'claiming', 'dispatched')
    GROUP BY p.category_code
) d
GROUP BY category_code;

-- name: chart_supply_by_category
-- Published resources that serve at least one community of the scope: listed by name, or the
-- community's centre lies within the resource's service circle.
SELECT r.category_code, count(*) AS resources,
       coalesce(sum(r.capacity_projects), 0)::bigint AS capacity_projects,
       coalesce(sum(r.capacity_hours), 0)::bigint AS capacity_hours
FROM resources r
WHERE r.status = 'published'
  AND ($1::text[] IS NULL OR r.area_communities && $1::text[]
       OR (r.radius_km IS NOT NULL AND EXISTS (
           SELECT 1 FROM areas a
           WHERE a.code = ANY($1::text[]) AND a.lat IS NOT NULL AND a.lon IS NOT NULL
             AND 111.2 * sqrt(power(a.lat - r.centre_lat, 2)
                              + power((a.lon - r.centre_lon) * cos(radians((a.lat + r.centre_lat) / 2)), 2))
                 <= r.radius_km)))
GROUP BY r.category_code;

-- name: chart_project_status_at
-- How many projects stood at each status at each moment of $2 (the ends of the weeks shown):
-- a project's status at a moment is the last status its history reached before it.
SELECT w.i::int AS week, s.status, count(*) AS n
FROM unnest($2::timestamptz[]) WITH ORDINALITY AS w(at, i)
JOIN projects p ON p.created_at < w.at
CROSS JOIN LATERAL (
    SELECT h.to_status AS status FROM history h
    WHERE h.entity = 'project' AND h.entity_id = p.id::text AND h.at < w.at
    ORDER BY h.id DESC LIMIT 1
) s
WHERE ($1::text[] IS NULL OR p.community_code = ANY($1::text[]))
GROUP BY w.i, s.status;

-- name: chart_duration_bins
-- Time from publishing to a unit taking the project on (accepted_at), and from publishing to
-- 结单 (closed or rated), counted in the bins whose lower edges (seconds) are $2 and $3.
WITH d AS (
    SELECT extract(epoch FROM p.accepted_at - p.published_at)::float8 AS claim_s,
           CASE WHEN p.status IN ('closed', 'rated')
                THEN extract(epoch FROM p.closed_at - p.published_at)::float8 END AS close_s
    FROM projects p
    WHERE ($1::text[] IS NULL OR p.community_code = ANY($1::text[]))
      AND p.published_at IS NOT NULL
)
SELECT 'claim' AS kind, width_bucket(greatest(claim_s, 0), $2::float8[]) AS bin, count(*) AS n
FROM d WHERE claim_s IS NOT NULL GROUP BY 2
UNION ALL
SELECT 'close', width_bucket(greatest(close_s, 0), $3::float8[]), count(*)
FROM d WHERE close_s IS NOT NULL GROUP BY 2;

-- name: chart_duration_stats
-- Median and 90th percentile (seconds) of the same two durations.
WITH d AS (
    SELECT extract(epoch FROM p.accepted_at - p.published_at)::float8 AS claim_s,
           CASE WHEN p.status IN ('closed', 'rated')
                THEN extract(epoch FROM p.closed_at - p.published_at)::float8 END AS close_s
    FROM projects p
    WHERE ($1::text[] IS NULL OR p.community_code = ANY($1::text[]))
      AND p.published_at IS NOT NULL
)
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY claim_s) AS claim_median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY claim_s) AS claim_p90,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY close_s) AS close_median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY close_s) AS close_p90
FROM d;

-- name: chart_satisfaction_by_unit
-- Residents' ratings per unit for projects of the scope: how many, the average, each score.
SELECT u.id AS unit_id, u.name AS unit_name, count(*) AS ratings, avg(r.score)::float8 AS average,
       count(*) FILTER (WHERE r.score = 1) AS s1, count(*) FILTER (WHERE r.score = 2) AS s2,
       count(*) FILTER (WHERE r.score = 3) AS s3, count(*) FILTER (WHERE r.score = 4) AS s4,
       count(*) FILTER (WHERE r.score = 5) AS s5
FROM ratings r
JOIN projects p ON p.id = r.project_id
JOIN units u ON u.id = r.unit_id
WHERE ($1::text[] IS NULL OR p.community_code = ANY($1::text[]))
GROUP BY u.id, u.name
ORDER BY avg(r.score) DESC, count(*) DESC, u.id
LIMIT $2;

-- name: chart_map_areas
-- Communities of the scope and their grids, with their centres.
SELECT a.code, a.level, a.name, a.parent_code, a.lat, a.lon
FROM areas a
WHERE ($1::text[] IS NULL AND a.level IN ('community', 'grid'))
   OR (a.level = 'community' AND a.code = ANY($1::text[]))
   OR (a.level = 'grid' AND a.parent_code = ANY($1::text[]))
ORDER BY a.level, a.code;

-- name: chart_map_needs
-- Needs of the scope for the map, newest first, with the status of the project they went into
-- (needs of a cancelled project and rejected or withdrawn needs are left out). Only what the
-- map draws: no title, no name, no phone.
SELECT n.id, n.number, n.category_code, n.community_code, n.grid_code, n.urgency, n.status,
       n.lat, n.lon, p.status AS project_status
FROM needs n
LEFT JOIN projects p ON p.id = n.project_id
WHERE ($1::text[] IS NULL OR n.community_code = ANY($1::text[]))
  AND n.status NOT IN ('rejected', 'withdrawn')
  AND (p.status IS NULL OR p.status <> 'cancelled')
ORDER BY n.id DESC
LIMIT $2;

-- name: chart_map_need_totals
-- The same needs counted per community and map state, for a map that shows no single need.
SELECT n.community_code,
       CASE WHEN n.status = 'pending' THEN 'pending'
            WHEN n.status = 'accepted' THEN 'accepted'
            WHEN p.status IN ('draft', 'published', 'claiming', 'dispatched') THEN 'waiting'
            WHEN p.status IN ('accepted', 'in_progress') THEN 'working'
            ELSE 'done' END AS state,
       count(*) AS n
FROM needs n
LEFT JOIN projects p ON p.id = n.project_id
WHERE ($1::text[] IS NULL OR n.community_code = ANY($1::text[]))
  AND n.status NOT IN ('rejected', 'withdrawn')
  AND (p.status IS NULL OR p.status <> 'cancelled')
GROUP BY 1, 2;

-- name: chart_map_resources
-- Published resources serving the scope (as in chart_supply_by_category), with their unit.
SELECT r.id, r.title, r.category_code, r.mode, u.name AS unit_name,
       r.centre_lat, r.centre_lon, r.radius_km, r.area_communities
FROM resources r
JOIN units u ON u.id = r.unit_id
WHERE r.status = 'published'
  AND ($1::text[] IS NULL OR r.area_communities && $1::text[]
       OR (r.radius_km IS NOT NULL AND EXISTS (
           SELECT 1 FROM areas a
           WHERE a.code = ANY($1::text[]) AND a.lat IS NOT NULL AND a.lon IS NOT NULL
             AND 111.2 * sqrt(power(a.lat - r.centre_lat, 2)
                              + power((a.lon - r.centre_lon) * cos(radians((a.lat + r.centre_lat) / 2)), 2))
                 <= r.radius_km)))
ORDER BY r.id;
