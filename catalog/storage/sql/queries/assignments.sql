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
-- A unit's claims and offers with the project they are about, newest first (or oldest first).
SELECT a.*, p.number AS project_number, p.title AS project_title, p.status AS project_status
FROM assignments a JOIN projects p ON p.id = a.project_id
WHERE a.unit_id = $1 AND ($2::text IS NULL OR a.status = $2)
  AND ($3::bigint IS NULL OR CASE WHEN $4::boolean THEN a.id > $3 ELSE a.id < $3 END)
ORDER BY CASE WHEN $4::boolean THEN a.id END, a.id DESC
LIMIT $5;

-- name: progress_insert
INSERT INTO progress_entries (project_id, unit_id, body, photo_url)
VALUES ($1, $2, $3, $4)
RETURNING *;

-- name: progress_of_project
SELECT * FROM progress_entries WHERE project_id = $1 ORDER BY id;

-- name: assignment_get_by_id
SELECT * FROM assignments WHERE id = $1;
