-- name: resource_insert
INSERT INTO resources (unit_id, title, content, category_code, skills, capacity_projects,
                       capacity_hours, area_communities, centre_lat, centre_lon, radius_km,
                       availability, valid_from, valid_to, mode, fee_type, fee_amount, target_groups)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
RETURNING *;

-- name: resource_get
SELECT * FROM resources WHERE id = $1;

-- name: resource_transition
WITH old AS (SELECT id, status FROM resources WHERE id = $1 AND status = ANY($2::text[]) FOR UPDATE)
UPDATE resources r SET status = $3, updated_at = now()
FROM old WHERE r.id = old.id
RETURNING r.*, old.status AS from_status;

-- name: resource_list
SELECT * FROM resources
WHERE ($1::bigint IS NULL OR unit_id = $1)
  AND ($2::text IS NULL OR status = $2)
  AND ($3::text IS NULL OR category_code = $3 OR category_code LIKE $3 || '.%')
  AND ($4::bigint IS NULL OR id > $4)
ORDER BY id
LIMIT $5;

-- name: resources_unknown_communities
-- Which of the given codes are not communities: a resource may only serve real communities.
SELECT c FROM unnest($1::text[]) AS c
WHERE NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = c AND a.level = 'community');
