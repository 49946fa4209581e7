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

-- name: project_lock
-- The project's status, its row locked until the command commits, for a rule to read before the
-- step; taken after the unit's row (the lock order).
SELECT id, status FROM projects WHERE id = $1 FOR UPDATE;

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
-- A claim is only open on a project in one of the statuses $2 a claim starts from (published),
-- in claim mode, before its deadline; it moves the project to $3.
WITH old AS (
    SELECT id, status FROM projects
    WHERE id = $1 AND status = ANY($2::text[]) AND dispatch_mode = 'claim'
      AND (claim_deadline IS NULL OR claim_deadline > now())
    FOR UPDATE
)
UPDATE projects p SET status = $3, status_reason = NULL, updated_at = now()
FROM old WHERE p.id = old.id
RETURNING p.*, old.status AS from_status;

-- name: project_complete
-- From one of the statuses $5 completion starts from (in progress) to $6, with what was done.
WITH old AS (SELECT id, status FROM projects WHERE id = $1 AND status = ANY($5::text[]) FOR UPDATE)
UPDATE projects p
SET status = $6, status_reason = NULL, updated_at = now(), completed_at = now(),
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

-- name: expire_lock_projects
-- The sweep's expiry, step 1: the projects with a pending claim, offer or helper proposal past its
-- time to live, locked in id order with their status as it is. Whatever is busy is skipped: the
-- sweep never waits, so it cannot deadlock with a command holding the project.
SELECT p.id, p.status FROM projects p
WHERE p.id IN (SELECT a.project_id FROM assignments a WHERE a.status = 'pending' AND a.expires_at <= $1)
ORDER BY p.id
FOR UPDATE OF p SKIP LOCKED;

-- name: expire_lock_due
-- Step 2: the due assignments of the projects locked in step 1 ($2), locked in id order. Looked
-- up project by project (the index on project_id), so a sweep that expires tens of thousands
-- stays linear whatever the planner's statistics say.
SELECT a.id, a.project_id, a.unit_id, a.kind, a.role
FROM unnest($2::bigint[]) AS l(project_id)
JOIN assignments a ON a.project_id = l.project_id
WHERE a.status = 'pending' AND a.expires_at <= $1
ORDER BY a.id
FOR UPDATE OF a SKIP LOCKED;

-- name: expire_end
-- Step 3: the due assignments end as expired.
UPDATE assignments SET status = 'expired', ended_at = now(), reason_code = 'ttl_expired'
WHERE id = ANY($1::bigint[]) AND status = 'pending';

-- name: expire_reopen
-- Step 4: the projects whose lead expired go back to 已发布 (a helper's expiry leaves its project):
-- from one of the statuses $2 a reopening starts from to $3.
UPDATE projects SET status = $3, status_reason = 'ttl_expired', updated_at = now()
WHERE id = ANY($1::bigint[]) AND status = ANY($2::text[])
RETURNING id;

-- name: expire_history
-- Step 5: the history rows, in the order given.
INSERT INTO history (entity, entity_id, from_status, to_status, actor, reason_code, note)
SELECT e, i, f, t, $5, 'ttl_expired', NULL
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS h(e, i, f, t, n)
ORDER BY n;

-- name: expire_credit
-- Step 6: an unanswered offer or helper proposal counts against its unit's 响应率.
INSERT INTO credit_events (unit_id, project_id, kind)
SELECT u, p, 'offer_expired'
FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS c(u, p, n)
ORDER BY n;

-- name: expire_projects_with_helpers
-- Step 7: of the reopened projects, those with live helpers still to end.
SELECT DISTINCT project_id FROM assignments
WHERE project_id = ANY($1::bigint[]) AND role = 'helper' AND status IN ('pending', 'active')
ORDER BY project_id;

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
