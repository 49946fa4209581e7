-- name: assignment_insert
INSERT INTO assignments (project_id, unit_id, resource_id, kind, role, status, created_by, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8::double precision))
RETURNING *;

-- name: assignment_live_lead
SELECT * FROM assignments
WHERE project_id = $1 AND role = 'lead' AND status IN ('pending', 'active');

-- name: assignment_lead_for_progress
-- The unit that did the work: live while it works, completed once it reported completion.
SELECT * FROM assignments
WHERE project_id = $1 AND role = 'lead' AND status IN ('active', 'completed')
ORDER BY id DESC
LIMIT 1;

-- name: assignment_transition
WITH old AS (SELECT id, status FROM assignments WHERE id = $1 AND status = ANY($2::text[]) FOR UPDATE)
UPDATE assignments a
SET status = $3,
    reason_code = coalesce($4, a.reason_code),
    note = coalesce($5, a.note),
    answered_at = CASE WHEN old.status = 'pending' THEN now() ELSE a.answered_at END,
    ended_at = CASE WHEN $3 IN ('pending', 'active') THEN NULL ELSE now() END
FROM old WHERE a.id = old.id
RETURNING a.*, old.status AS from_status;

-- name: assignment_list_for_project
SELECT * FROM assignments WHERE project_id = $1 ORDER BY id;

-- name: assignment_list_for_unit
SELECT * FROM assignments
WHERE unit_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR id < $3)
ORDER BY id DESC
LIMIT $4;

-- name: progress_insert
INSERT INTO progress_entries (project_id, unit_id, body, photo_url)
VALUES ($1, $2, $3, $4)
RETURNING *;

-- name: progress_of_project
SELECT * FROM progress_entries WHERE project_id = $1 ORDER BY id;

-- name: assignment_get_by_id
SELECT * FROM assignments WHERE id = $1;
