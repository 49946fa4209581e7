-- Queries behind the member units' and the administrators' desk pages (catalog/editing.py,
-- catalog/suggestions.py).

-- name: desk_resource_update
-- A unit rewrites its listing. Whatever it was, it goes back to 待审核: what is published has
-- always been reviewed as it reads now. Work already taken on with it carries on.
WITH old AS (SELECT id, status FROM resources WHERE id = $1 AND unit_id = $2 FOR UPDATE)
UPDATE resources r
SET title = $3, content = $4, category_code = $5, skills = $6, capacity_projects = $7,
    capacity_hours = $8, area_communities = $9, centre_lat = $10, centre_lon = $11, radius_km = $12,
    availability = $13, valid_from = $14, valid_to = $15, mode = $16, fee_type = $17,
    fee_amount = $18, target_groups = $19, status = 'pending', updated_at = now()
FROM old WHERE r.id = old.id
RETURNING r.*, old.status AS from_status;

-- name: desk_unit_update
-- The administrator corrects a unit's details or changes its cap on live work. $8: the street
-- the administrator manages (NULL: every unit); a unit moved out of it meanwhile is not changed.
WITH old AS (SELECT id, status FROM units
             WHERE id = $1 AND ($8::text IS NULL OR area_street(home_area) = $8)
             FOR UPDATE)
UPDATE units u
SET name = $2, unit_type = $3, contact_name = $4, contact_phone = $5, home_area = $6, active_cap = $7
FROM old WHERE u.id = old.id
RETURNING u.*, area_street(u.home_area) AS home_street;

-- name: desk_unit_page
-- Units for the administrator's list: $1 type, $2 status, $3 part of the name (NULL: any),
-- $7 the street the administrator manages (NULL: every unit, the alliance's), with the live
-- claims and projects each holds against its cap.
SELECT u.*, area_street(u.home_area) AS home_street,
       (SELECT count(*) FROM assignments x WHERE x.unit_id = u.id AND x.status IN ('pending', 'active')) AS live,
       (SELECT count(*) FROM resources r WHERE r.unit_id = u.id AND r.status = 'pending') AS resources_pending
FROM units u
WHERE ($1::text IS NULL OR u.unit_type = $1)
  AND ($2::text IS NULL OR u.status = $2)
  AND ($3::text IS NULL OR strpos(u.name, $3) > 0)
  AND ($4::bigint IS NULL OR CASE WHEN $5::boolean THEN u.id > $4 ELSE u.id < $4 END)
  AND ($7::text IS NULL OR area_street(u.home_area) = $7)
ORDER BY CASE WHEN $5::boolean THEN u.id END, u.id DESC
LIMIT $6;

-- name: desk_unit_live
SELECT count(*) FROM assignments WHERE unit_id = $1 AND status IN ('pending', 'active');

-- name: desk_claimable_projects
-- Published projects a unit may claim now ($1 = now), with what the engine needs to rank them.
-- The point falls back to the community centre, as in the batch job.
SELECT p.id, p.number, p.title, p.community_code, a.parent_code AS street_code,
       coalesce(p.lat, a.lat) AS lat, coalesce(p.lon, a.lon) AS lon,
       c.parent_code AS category, p.category_code AS subcategory, p.required_skills,
       p.window_start, p.window_end, p.units_required, p.estimated_hours, p.priority, p.urgency,
       p.claim_deadline, coalesce(p.published_at, p.created_at) AS published_at
FROM projects p
JOIN areas a ON a.code = p.community_code
JOIN categories c ON c.code = p.category_code
WHERE p.status = 'published' AND p.dispatch_mode = 'claim'
  AND (p.claim_deadline IS NULL OR p.claim_deadline > $1)
ORDER BY p.id
LIMIT $2;

-- name: desk_unit_open_resources
-- One unit's published resources ($1 unit, $2 today), with the live work on each and on the unit.
SELECT r.id, r.unit_id, r.title, c.parent_code AS category, r.category_code AS subcategory, r.skills,
       r.capacity_projects, r.capacity_hours, r.area_communities, r.centre_lat, r.centre_lon,
       r.radius_km, r.valid_from, r.valid_to, u.active_cap, u.status AS unit_status,
       (SELECT count(*) FROM assignments x WHERE x.resource_id = r.id AND x.status IN ('pending', 'active')) AS live,
       (SELECT count(*) FROM assignments x WHERE x.unit_id = r.unit_id AND x.status IN ('pending', 'active')) AS unit_live
FROM resources r
JOIN units u ON u.id = r.unit_id
JOIN categories c ON c.code = r.category_code
WHERE r.unit_id = $1 AND r.status = 'published'
  AND (r.valid_to IS NULL OR r.valid_to >= $2::date)
ORDER BY r.id;

-- name: desk_unit_declined_projects
-- Projects this unit said no to: never suggested to it again.
SELECT DISTINCT project_id FROM assignments WHERE unit_id = $1 AND status = 'declined';

-- name: desk_proposal_explanations
-- Why the optimiser proposed these of the unit's ($2) assignments: score and its terms.
SELECT e.assignment_id, e.run_id, e.score, e.breakdown
FROM proposal_explanations e
JOIN assignments a ON a.id = e.assignment_id
WHERE e.assignment_id = ANY($1::bigint[]) AND a.unit_id = $2;
