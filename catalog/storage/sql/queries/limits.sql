-- Time limits, their colours and the supervision list (督办). See migration 0005 for the tables.
-- The sweep (catalog/sweep.py) runs limits_mark, limits_resolve and limits_raise in that order in
-- one transaction: the first brings time_alerts up to date, the other two work from it.

-- name: limits_sweep_lock
SELECT pg_advisory_xact_lock($1::bigint);

-- name: limits_mark
-- Every running clock with its category's limit, its deadline and its colour at $1; time_alerts
-- is updated where anything differs, filled with new clocks and emptied of finished ones.
-- $2/$3/$4: the default limits (step, urgency, minutes) from catalog/limits.py;
-- $5/$6: which step runs in which project status; $7/$8: the blue and yellow shares.
WITH limits AS (
    SELECT c.code AS category_code, d.step, d.urgency,
           make_interval(mins => coalesce(own.limit_minutes, up.limit_minutes, d.minutes)) AS span
    FROM categories c
    CROSS JOIN unnest($2::text[], $3::text[], $4::int[]) AS d(step, urgency, minutes)
    LEFT JOIN category_time_limits own
           ON own.category_code = c.code AND own.step = d.step AND own.urgency = d.urgency
    LEFT JOIN category_time_limits up
           ON up.category_code = c.parent_code AND up.step = d.step AND up.urgency = d.urgency
), reopened AS (
    -- when a project last went back to 已发布 (a claim or offer ended, or the unit gave it back)
    SELECT project_id, max(ended_at) AS at FROM assignments
    WHERE role = 'lead' AND status IN ('expired', 'declined', 'released', 'withdrawn', 'returned')
    GROUP BY project_id
), live AS MATERIALIZED (
    -- the live lead of each project, read once (a hash join, not a lookup per project)
    SELECT project_id, unit_id, status, kind, created_at FROM assignments
    WHERE role = 'lead' AND status IN ('pending', 'active')
), project_clocks AS (
    -- 签收: a pending offer is the offered unit's to answer, from the moment it was made; otherwise
    -- the clock runs from the moment the project was (last) open for taking, with no unit to blame.
    SELECT p.id, m.step, p.status, p.community_code, p.category_code, p.urgency, p.window_end,
           CASE WHEN m.step = 'done' OR (m.step = 'ack' AND a.status = 'pending' AND a.kind <> 'claim')
                THEN a.unit_id END AS unit_id,
           CASE m.step
               WHEN 'ack' THEN CASE WHEN a.status = 'pending' AND a.kind <> 'claim' THEN a.created_at
                                    ELSE greatest(p.published_at, r.at) END
               WHEN 'done' THEN p.accepted_at
               WHEN 'close' THEN p.completed_at
           END AS started_at
    FROM projects p
    JOIN unnest($5::text[], $6::text[]) AS m(status, step) ON m.status = p.status
    LEFT JOIN live a ON a.project_id = p.id
    LEFT JOIN reopened r ON r.project_id = p.id
), clocks AS (
    SELECT 'project'::text AS subject, pc.id AS subject_id, pc.step, pc.status AS subject_status,
           pc.community_code, pc.unit_id, pc.started_at,
           -- 办结: the project plan's end wins over the category's limit when the secretary set one
           CASE WHEN pc.step = 'done' AND pc.window_end IS NOT NULL THEN pc.window_end
                ELSE pc.started_at + l.span END AS deadline
    FROM project_clocks pc
    JOIN limits l ON l.category_code = pc.category_code AND l.step = pc.step AND l.urgency = pc.urgency
    WHERE pc.started_at IS NOT NULL
    UNION ALL
    SELECT 'need', n.id, 'review', n.status, n.community_code, NULL::bigint, n.created_at,
           add_working_time(n.created_at, l.span)
    FROM needs n
    JOIN limits l ON l.category_code = n.category_code AND l.step = 'review' AND l.urgency = n.urgency
    WHERE n.status = 'pending'
), levelled AS (
    SELECT c.*, com.parent_code AS street_code,
           CASE WHEN $1::timestamptz >= c.deadline OR c.deadline <= c.started_at THEN 'red'
                WHEN $1::timestamptz >= c.started_at + (c.deadline - c.started_at) * $8::float8 THEN 'yellow'
                WHEN $1::timestamptz >= c.started_at + (c.deadline - c.started_at) * $7::float8 THEN 'blue'
                ELSE 'none' END AS level
    FROM clocks c
    JOIN areas com ON com.code = c.community_code
), marked AS MATERIALIZED (
    SELECT l.*,
           CASE l.level WHEN 'red' THEN greatest(l.deadline, l.started_at)
                        WHEN 'yellow' THEN l.started_at + (l.deadline - l.started_at) * $8::float8
                        WHEN 'blue' THEN l.started_at + (l.deadline - l.started_at) * $7::float8
                        ELSE l.started_at END AS level_since
    FROM levelled l
), diff AS MATERIALIZED (
    -- one pass over the stored alerts: what is new, what differs, what has stopped
    SELECT m.*, t.subject AS old_subject, t.subject_id AS old_subject_id,
           CASE WHEN t.subject IS NULL THEN 'insert' WHEN m.subject IS NULL THEN 'delete' ELSE 'update' END AS change
    FROM marked m
    FULL JOIN time_alerts t ON t.subject = m.subject AND t.subject_id = m.subject_id
    WHERE t.subject IS NULL OR m.subject IS NULL
       OR (t.step, t.subject_status, t.community_code, t.street_code, t.unit_id, t.level, t.started_at,
           t.deadline, t.level_since)
          IS DISTINCT FROM (m.step, m.subject_status, m.community_code, m.street_code, m.unit_id, m.level,
                            m.started_at, m.deadline, m.level_since)
), updated AS (
    UPDATE time_alerts t
    SET step = d.step, subject_status = d.subject_status, community_code = d.community_code,
        street_code = d.street_code, unit_id = d.unit_id, level = d.level, started_at = d.started_at,
        deadline = d.deadline, level_since = d.level_since, updated_at = $1
    FROM diff d
    WHERE d.change = 'update' AND t.subject = d.subject AND t.subject_id = d.subject_id
    RETURNING 1
), inserted AS (
    INSERT INTO time_alerts (subject, subject_id, step, subject_status, community_code, street_code, unit_id,
                             level, started_at, deadline, level_since, updated_at)
    SELECT d.subject, d.subject_id, d.step, d.subject_status, d.community_code, d.street_code, d.unit_id,
           d.level, d.started_at, d.deadline, d.level_since, $1
    FROM diff d
    WHERE d.change = 'insert'
    ORDER BY d.subject, d.subject_id
    RETURNING 1
), cleared AS (
    DELETE FROM time_alerts t
    USING diff d
    WHERE d.change = 'delete' AND t.subject = d.old_subject AND t.subject_id = d.old_subject_id
    RETURNING 1
)
SELECT count(*) FILTER (WHERE level = 'none') AS none,
       count(*) FILTER (WHERE level = 'blue') AS blue,
       count(*) FILTER (WHERE level = 'yellow') AS yellow,
       count(*) FILTER (WHERE level = 'red') AS red,
       (SELECT count(*) FROM updated) + (SELECT count(*) FROM inserted) AS changed,
       (SELECT count(*) FROM cleared) AS cleared
FROM marked;

-- name: limits_resolve
-- Open items whose clock no longer runs (time_alerts has moved on) are resolved, with why, and a
-- line in the subject's history. $1 now, $2 the steps in order, $3 step labels, $4 resolution labels.
WITH ended AS MATERIALIZED (
    SELECT s.id, s.subject, s.subject_id, s.step, a.step AS running_step
    FROM supervision_items s
    LEFT JOIN time_alerts a ON a.subject = s.subject AND a.subject_id = s.subject_id
    WHERE s.resolved_at IS NULL
      AND (a.step IS DISTINCT FROM s.step OR a.started_at IS DISTINCT FROM s.started_at)
), classified AS MATERIALIZED (
    SELECT e.id, coalesce(p.status, n.status) AS subject_status,
           CASE WHEN p.status = 'cancelled' OR n.status IN ('rejected', 'withdrawn') THEN 'withdrawn'
                WHEN e.running_step IS NULL
                     OR array_position($2::text[], e.running_step) > array_position($2::text[], e.step)
                     THEN 'step_done'
                ELSE 'restarted' END AS resolution
    FROM ended e
    LEFT JOIN projects p ON e.subject = 'project' AND p.id = e.subject_id
    LEFT JOIN needs n ON e.subject = 'need' AND n.id = e.subject_id
), resolved AS (
    UPDATE supervision_items s
    SET resolved_at = $1, resolution = e.resolution, resolved_by = 'system:sweep'
    FROM classified e
    WHERE s.id = e.id AND s.resolved_at IS NULL
    RETURNING s.id, s.subject, s.subject_id, s.step, s.resolution, e.subject_status
), noted AS (
    INSERT INTO history (entity, entity_id, from_status, to_status, actor, reason_code, note)
    SELECT r.subject, r.subject_id::text, r.subject_status, r.subject_status, 'system:sweep',
           'supervision_resolved',
           '督办解除（' || ($3::jsonb ->> r.step) || '）：' || ($4::jsonb ->> r.resolution)
    FROM resolved r
    ORDER BY r.id
    RETURNING 1
)
SELECT (SELECT count(*) FROM resolved) AS resolved, (SELECT count(*) FROM noted) AS noted;

-- name: limits_raise
-- Red clocks without an item yet go on the supervision list; the unit answerable for the step is
-- charged one 'overdue' credit event per (project, step, unit) ever. $1 now, $2 step labels,
-- $3 look at every red clock rather than only those limits_mark just wrote (a red clock that
-- did not change since an earlier sweep got its item then).
-- `red` is read in full (the INSERT sorts it) before the first item is written, so its checks
-- never rescan a table this statement is filling.
WITH red AS MATERIALIZED (
    SELECT a.subject, a.subject_id, a.step, a.community_code, a.street_code, a.unit_id, a.started_at,
           a.deadline,
           a.unit_id IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM supervision_items c
               WHERE c.credited AND c.subject = a.subject AND c.subject_id = a.subject_id
                 AND c.step = a.step AND c.unit_id = a.unit_id) AS charge
    FROM time_alerts a
    WHERE a.level = 'red' AND ($3::boolean OR a.updated_at >= $1)
      AND NOT EXISTS (SELECT 1 FROM supervision_items s
                      WHERE s.subject = a.subject AND s.subject_id = a.subject_id
                        AND s.step = a.step AND s.started_at = a.started_at)
), raised AS (
    INSERT INTO supervision_items (subject, subject_id, step, community_code, street_code, unit_id,
                                   started_at, deadline, raised_at, credited)
    SELECT r.subject, r.subject_id, r.step, r.community_code, r.street_code, r.unit_id, r.started_at,
           r.deadline, $1, r.charge
    FROM red r
    ORDER BY r.subject, r.subject_id
    ON CONFLICT DO NOTHING
    RETURNING id, subject, subject_id, step, unit_id, deadline, credited
), charged AS (
    INSERT INTO credit_events (unit_id, project_id, kind)
    SELECT r.unit_id, r.subject_id, 'overdue' FROM raised r
    WHERE r.credited AND r.subject = 'project'
    ORDER BY r.id
    RETURNING 1
), noted AS (
    INSERT INTO history (entity, entity_id, from_status, to_status, actor, reason_code, note)
    SELECT r.subject, r.subject_id::text, a.subject_status, a.subject_status, 'system:sweep', 'overdue',
           ($2::jsonb ->> r.step) || '超时（期限 '
               || to_char(r.deadline AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') || '），已列入督办'
    FROM raised r
    JOIN time_alerts a ON a.subject = r.subject AND a.subject_id = r.subject_id
    ORDER BY r.id
    RETURNING 1
)
SELECT (SELECT count(*) FROM raised) AS raised, (SELECT count(*) FROM charged) AS credited;

-- name: limits_of_category
-- The category, its parent, and every override on either. $1 category code.
SELECT c.code, c.name, c.parent_code, c.retired_at,
       coalesce((SELECT jsonb_agg(jsonb_build_object('category_code', t.category_code, 'step', t.step,
                                                     'urgency', t.urgency, 'minutes', t.limit_minutes))
                 FROM category_time_limits t
                 WHERE t.category_code = c.code OR t.category_code = c.parent_code), '[]'::jsonb) AS overrides
FROM categories c
WHERE c.code = $1;

-- name: limits_lock_category
SELECT code, retired_at FROM categories WHERE code = $1 FOR UPDATE;

-- name: limits_clear_category
DELETE FROM category_time_limits WHERE category_code = $1
RETURNING step, urgency, limit_minutes;

-- name: limits_set_category
INSERT INTO category_time_limits (category_code, step, urgency, limit_minutes, set_by)
SELECT $1, s, u, m, $5 FROM unnest($2::text[], $3::text[], $4::int[]) AS x(s, u, m);

-- name: supervision_page
-- 督办清单 in a scope: $1 street (NULL: every street), $2 community, $3 unit (for a unit's own
-- items, or a filter), $4 state ('open', 'resolved', NULL: both), $5 step, $6/$7/$8 keyset paging.
-- `names` are the residents' names behind the subject, to hide in its title; never shown.
SELECT s.*, com.name AS community_name, u.name AS unit_name,
       coalesce(p.number, n.number) AS number, coalesce(p.title, n.title) AS title,
       coalesce(p.status, n.status) AS subject_status,
       CASE WHEN s.subject = 'need' THEN ARRAY[n.requester_name]
            ELSE ARRAY(SELECT r.requester_name FROM needs r WHERE r.project_id = s.subject_id) END AS names,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', x.id, 'author', x.author, 'body', x.body,
                                                     'created_at', x.created_at) ORDER BY x.id)
                 FROM supervision_notes x WHERE x.item_id = s.id), '[]'::jsonb) AS notes
FROM supervision_items s
JOIN areas com ON com.code = s.community_code
LEFT JOIN units u ON u.id = s.unit_id
LEFT JOIN projects p ON s.subject = 'project' AND p.id = s.subject_id
LEFT JOIN needs n ON s.subject = 'need' AND n.id = s.subject_id
WHERE ($1::text IS NULL OR s.street_code = $1)
  AND ($2::text IS NULL OR s.community_code = $2)
  AND ($3::bigint IS NULL OR s.unit_id = $3)
  AND ($4::text IS NULL OR ($4 = 'open') = (s.resolved_at IS NULL))
  AND ($5::text IS NULL OR s.step = $5)
  AND ($6::bigint IS NULL OR CASE WHEN $7::boolean THEN s.id > $6 ELSE s.id < $6 END)
  AND ($9::bigint IS NULL OR s.id = $9)
ORDER BY CASE WHEN $7::boolean THEN s.id END, s.id DESC
LIMIT $8;

-- name: alert_page
-- 预警: running clocks at a colour, in a scope; parameters as in supervision_page, but $4 is the
-- levels to list. Rows whose subject moved on since the sweep are left out.
SELECT t.*, com.name AS community_name, u.name AS unit_name,
       coalesce(p.number, n.number) AS number, coalesce(p.title, n.title) AS title,
       CASE WHEN t.subject = 'need' THEN ARRAY[n.requester_name]
            ELSE ARRAY(SELECT r.requester_name FROM needs r WHERE r.project_id = t.subject_id) END AS names
FROM time_alerts t
JOIN areas com ON com.code = t.community_code
LEFT JOIN units u ON u.id = t.unit_id
LEFT JOIN projects p ON t.subject = 'project' AND p.id = t.subject_id
LEFT JOIN needs n ON t.subject = 'need' AND n.id = t.subject_id
WHERE t.level = ANY($4::text[])
  AND t.subject_status = coalesce(p.status, n.status)
  AND ($1::text IS NULL OR t.street_code = $1)
  AND ($2::text IS NULL OR t.community_code = $2)
  AND ($3::bigint IS NULL OR t.unit_id = $3)
  AND ($5::text IS NULL OR t.step = $5)
  AND ($6::bigint IS NULL OR CASE WHEN $7::boolean THEN t.id > $6 ELSE t.id < $6 END)
ORDER BY CASE WHEN $7::boolean THEN t.id END, t.id DESC
LIMIT $8;

-- name: supervision_item_scope
SELECT id, subject, subject_id, street_code, community_code, unit_id, resolved_at FROM supervision_items
WHERE id = $1;

-- name: supervision_note_insert
INSERT INTO supervision_notes (item_id, author, body) VALUES ($1, $2, $3) RETURNING *;

-- name: supervision_resolve_by_admin
-- Guarded: only an open item is resolved; no row back means someone (or the sweep) was first.
UPDATE supervision_items SET resolved_at = now(), resolution = 'admin', resolved_by = $2
WHERE id = $1 AND resolved_at IS NULL
RETURNING id;

-- name: subject_status
SELECT coalesce((SELECT status FROM projects WHERE $1 = 'project' AND id = $2),
                (SELECT status FROM needs WHERE $1 = 'need' AND id = $2)) AS status;

-- name: alerts_of_projects
-- The stored alert of each project still in the status it was computed for.
SELECT t.subject_id AS project_id, t.step, t.level, t.deadline, t.level_since, t.unit_id
FROM time_alerts t
JOIN projects p ON p.id = t.subject_id AND p.status = t.subject_status
WHERE t.subject = 'project' AND t.subject_id = ANY($1::bigint[]);
