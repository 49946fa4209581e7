-- name: need_insert
INSERT INTO needs (title, description, category_code, community_code, grid_code, lat, lon,
                   beneficiary_count, beneficiary_groups, urgency, desired_from, desired_to,
                   source_channel, requester_name, requester_phone, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
RETURNING *;

-- name: need_get
SELECT * FROM needs WHERE id = $1;

-- name: need_transition
WITH old AS (SELECT id, status FROM needs WHERE id = $1 AND status = ANY($2::text[]) FOR UPDATE)
UPDATE needs n
SET status = $3,
    status_reason = $4,
    updated_at = now(),
    reviewed_at = CASE WHEN old.status = 'pending' THEN now() ELSE n.reviewed_at END
FROM old WHERE n.id = old.id
RETURNING n.*, old.status AS from_status;

-- name: needs_merge
-- All or nothing is checked by the caller: it compares the ids returned with the ids asked for.
-- From one of the statuses $4 a merge starts from (accepted) to $5.
WITH old AS (
    SELECT id, status FROM needs
    WHERE id = ANY($1::bigint[]) AND status = ANY($4::text[]) AND community_code = $2
    ORDER BY id
    FOR UPDATE
)
UPDATE needs n SET status = $5, project_id = $3, updated_at = now()
FROM old WHERE n.id = old.id
RETURNING n.id, old.status AS from_status;

-- name: needs_of_project
SELECT * FROM needs WHERE project_id = $1 ORDER BY id;

-- name: need_list
SELECT * FROM needs
WHERE ($1::text IS NULL OR community_code = $1)
  AND ($2::text IS NULL OR status = $2)
  AND ($3::text IS NULL OR urgency = $3)
  AND ($4::bigint IS NULL OR id < $4)
ORDER BY id DESC
LIMIT $5;
