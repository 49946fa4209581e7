-- name: project_insert
INSERT INTO projects (title, description, category_code, community_code, required_skills, place,
                      lat, lon, window_start, window_end, units_required, estimated_hours,
                      priority, urgency, dispatch_mode, claim_deadline, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
RETURNING *;

-- name: project_get
-- With the time-limit colour of the last sweep, while the project is still in the status it was
-- computed for.
SELECT p.*, t.level AS alert_level, t.step AS alert_step, t.deadline AS alert_deadline
FROM projects p
LEFT JOIN time_alerts t ON t.subject = 'project' AND t.subject_id = p.id AND t.subject_status = p.status
WHERE p.id = $1;

-- name: project_transition
-- The guard is the WHERE clause: a row that is no longer in an allowed status is not touched,
-- and the caller turns "no row" into a domain error.
WITH old AS (SELECT id, status FROM projects WHERE id = $1 AND status = ANY($2::text[]) FOR UPDATE)
UPDATE projects p
SET status = $3,
    status_reason = $4,
    updated_at = now(),
    published_at = CASE WHEN $3 = 'published' THEN coalesce(p.published_at, now()) ELSE p.published_at END,
    accepted_at = CASE WHEN $3 = 'accepted' THEN now()
                       WHEN $3 = 'published' THEN NULL ELSE p.accepted_at END,
    closed_at = CASE WHEN $3 IN ('closed', 'rated', 'cancelled') THEN now() ELSE p.closed_at END
FROM old WHERE p.id = old.id
RETURNING p.*, old.status AS from_status;

-- name: project_claim
-- A claim is only open on a published project in claim mode before its deadline.
WITH old AS (
    SELECT id, status FROM projects
    WHERE id = $1 AND status = 'published' AND dispatch_mode = 'claim'
      AND (claim_deadline IS NULL OR claim_deadline > now())
    FOR UPDATE
)
UPDATE projects p SET status = 'claiming', status_reason = NULL, updated_at = now()
FROM old WHERE p.id = old.id
RETURNING p.*, old.status AS from_status;

-- name: project_complete
WITH old AS (SELECT id, status FROM projects WHERE id = $1 AND status = 'in_progress' FOR UPDATE)
UPDATE projects p
SET status = 'awaiting_close', status_reason = NULL, updated_at = now(), completed_at = now(),
    completion_note = $2, beneficiaries_served = $3, hours_spent = $4
FROM old WHERE p.id = old.id
RETURNING p.*, old.status AS from_status;

-- name: project_list
SELECT * FROM projects
WHERE ($1::text IS NULL OR community_code = $1)
  AND ($2::text IS NULL OR status = $2)
  AND ($3::text IS NULL OR category_code = $3 OR category_code LIKE $3 || '.%')
  AND ($4::bigint IS NULL OR id < $4)
ORDER BY id DESC
LIMIT $5;

-- name: projects_reopen_expired
-- Pending claims, offers and helper proposals past their time to live end as expired. A lead's
-- project goes back to 已发布; a helper's (协办) expiry leaves the project as it is.
-- The projects are locked with their assignments, and whatever is busy is skipped: the sweep
-- never waits, so it cannot deadlock with a command holding the project and wanting the assignment.
-- Each project row is locked once, in its own step, before anything is written: a project with
-- several due assignments (a lead and its helpers) must not be locked again after this statement
-- has reopened it, which would skip the rest as if someone else held it.
WITH candidates AS (
    SELECT a.id, a.project_id FROM assignments a
    WHERE a.status = 'pending' AND a.expires_at <= $1
), locked AS MATERIALIZED (
    SELECT p.id FROM projects p
    WHERE p.id IN (SELECT project_id FROM candidates)
    ORDER BY p.id
    FOR UPDATE SKIP LOCKED
), due AS MATERIALIZED (
    SELECT a.id, a.project_id, a.unit_id, a.kind, a.role FROM assignments a
    WHERE a.id IN (SELECT id FROM candidates) AND a.project_id IN (SELECT id FROM locked)
      AND a.status = 'pending' AND a.expires_at <= $1
    ORDER BY a.id
    FOR UPDATE SKIP LOCKED
), ended AS (
    UPDATE assignments a SET status = 'expired', ended_at = now(), reason_code = 'ttl_expired'
    FROM due WHERE a.id = due.id
    RETURNING a.id, a.project_id, a.unit_id, a.kind, a.role
), reopened AS (
    UPDATE projects p SET status = 'published', status_reason = 'ttl_expired', updated_at = now()
    FROM ended WHERE p.id = ended.project_id AND ended.role = 'lead' AND p.status IN ('claiming', 'dispatched')
    RETURNING p.id
)
SELECT e.id AS assignment_id, e.project_id, e.unit_id, e.kind, e.role,
       (SELECT o.status FROM projects o WHERE o.id = e.project_id) AS before_status,
       e.role = 'lead' AND EXISTS (SELECT 1 FROM reopened r WHERE r.id = e.project_id) AS reopened
FROM ended e
ORDER BY e.id;

-- name: project_lock_for_edit
-- The project an edit starts from, locked until the edit commits, and whether a claim or offer
-- is live on it (a unit is answering for the project as it reads now).
SELECT p.*, EXISTS (SELECT 1 FROM assignments a
                    WHERE a.project_id = p.id AND a.status IN ('pending', 'active')) AS has_live
FROM projects p WHERE p.id = $1
FOR UPDATE OF p;

-- name: project_edit
-- Every editable field as the edit leaves it; guarded like a transition, though the caller holds
-- the row lock: a project that left the editable statuses, or got a live claim or offer, is not touched.
UPDATE projects p
SET title = $3, description = $4, category_code = $5, required_skills = $6, place = $7, lat = $8, lon = $9,
    window_start = $10, window_end = $11, units_required = $12, estimated_hours = $13, priority = $14,
    urgency = $15, dispatch_mode = $16, claim_deadline = $17, updated_at = now()
WHERE p.id = $1 AND p.status = ANY($2::text[])
  AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.project_id = p.id AND a.status IN ('pending', 'active'))
RETURNING p.*;

-- name: proposal_confirm
-- The secretary's yes to a batch proposal still waiting for its unit; recorded once.
UPDATE assignments
SET confirmed_at = now(), confirmed_by = $2
WHERE id = $1 AND kind = 'proposal' AND status = 'pending' AND confirmed_at IS NULL
RETURNING *;
