-- Helper units (协办) beside a project's lead: see catalog/helpers.py.

-- name: helper_project_lock
-- The project a helper step is about, locked until the step commits: helper steps on one project
-- queue here, after the unit's own lock (lock order: unit, project, assignments).
SELECT * FROM projects WHERE id = $1 FOR UPDATE;

-- name: helper_live_count
SELECT count(*) FROM assignments
WHERE project_id = $1 AND role = 'helper' AND status IN ('pending', 'active');

-- name: helper_live_of_unit
-- The unit's live claim, offer or helper role on the project (at most one: uq__assignments__one_live_per_unit).
SELECT * FROM assignments
WHERE project_id = $1 AND unit_id = $2 AND status IN ('pending', 'active');

-- name: helper_latest_of_unit
-- The unit's newest helper assignment on the project, whatever its status: what a refused step explains.
SELECT * FROM assignments
WHERE project_id = $1 AND unit_id = $2 AND role = 'helper'
ORDER BY id DESC
LIMIT 1;

-- name: helpers_end_live
-- Every live helper of the project ends with its lead: pending ones as $2, active ones as $3.
-- answered_at stays as it was: the unit did not answer, the project moved on without it.
WITH old AS (
    SELECT id, status FROM assignments
    WHERE project_id = $1 AND role = 'helper' AND status IN ('pending', 'active')
    ORDER BY id
    FOR UPDATE
)
UPDATE assignments a
SET status = CASE WHEN old.status = 'pending' THEN $2 ELSE $3 END,
    reason_code = $4,
    note = coalesce($5, a.note),
    ended_at = now()
FROM old WHERE a.id = old.id
RETURNING a.*, old.status AS from_status;

-- name: team_of_project
-- The project's team as it stands: the lead and helpers that are live or finished, with unit names.
SELECT a.id AS assignment_id, a.unit_id, u.name AS unit_name, a.role, a.kind, a.status,
       a.created_at, a.expires_at, a.answered_at
FROM assignments a JOIN units u ON u.id = a.unit_id
WHERE a.project_id = $1 AND a.status IN ('pending', 'active', 'completed')
ORDER BY a.role = 'helper', a.id;
