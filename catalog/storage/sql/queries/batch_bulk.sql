-- name: batch_bulk_lock_fresh_projects
-- The projects still as the snapshot saw them (not touched since, and in one of the statuses $3
-- an offer starts from), locked in id order after the units: the same lock order as every other
-- command. A project changed while we wait for its lock is re-checked by PostgreSQL against the
-- new row and drops out.
SELECT p.id, p.status, p.estimated_hours
FROM projects p
JOIN unnest($1::bigint[], $2::timestamptz[]) AS seen(id, updated_at)
  ON seen.id = p.id AND seen.updated_at = p.updated_at
WHERE p.status = ANY($3::text[])
ORDER BY p.id
FOR UPDATE OF p;

-- name: batch_bulk_units
-- Each unit's status, cap and live work, counted after its row is locked (so nobody adds to it).
SELECT u.id, u.status, u.active_cap,
       (SELECT count(*) FROM assignments x WHERE x.unit_id = u.id AND x.status IN ('pending', 'active')) AS live
FROM units u
WHERE u.id = ANY($1::bigint[]);

-- name: batch_bulk_resources
-- Each resource's owner, status and what its live work already uses, for the capacity check.
-- Work on a resource is always its unit's, so the unit locks keep these figures still.
SELECT r.id, r.unit_id, r.status, r.capacity_projects, r.capacity_hours,
       count(x.id) AS live, coalesce(sum(p.estimated_hours), 0) AS live_hours
FROM resources r
LEFT JOIN assignments x ON x.resource_id = r.id AND x.unit_id = r.unit_id AND x.status IN ('pending', 'active')
LEFT JOIN projects p ON p.id = x.project_id
WHERE r.id = ANY($1::bigint[])
GROUP BY r.id;

-- name: batch_bulk_settings
-- The planner can only guess how many rows an unnest holds; at tens of thousands it guesses high
-- enough to compile the write with JIT, which then costs seconds and saves nothing. The write
-- sorts its proposals and history rows: in memory, not in temporary files.
SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true);

-- name: batch_bulk_offer
-- Every accepted proposal at once: a lead's project moves from one of the statuses $7 to $8 (the
-- transition table's offer: 已发布 → 已派单), one pending proposal (offer) per unit expiring after
-- $5 seconds ($6: each one's role, lead or helper; a project's lead comes before its helpers),
-- and the history rows in the order the one-by-one path writes them (per lead: the project's
-- step, then the new assignment; per helper: its assignment). Returns one row per assignment.
WITH todo AS (
    SELECT t.project_id, t.unit_id, t.resource_id, t.role, t.n
    FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $6::text[]) WITH ORDINALITY
         AS t(project_id, unit_id, resource_id, role, n)
), moved AS (
    -- "was": the row as this statement found it, for the status the history says it moved from
    UPDATE projects p
    SET status = $8::text, status_reason = NULL, updated_at = now()
    FROM todo, projects was
    WHERE p.id = todo.project_id AND todo.role = 'lead' AND p.status = ANY($7::text[]) AND was.id = p.id
    RETURNING p.id, was.status AS from_status
), made AS (
    INSERT INTO assignments (project_id, unit_id, resource_id, kind, role, status, created_by, expires_at)
    SELECT project_id, unit_id, resource_id, 'proposal', role, 'pending', $4,
           now() + make_interval(secs => $5::double precision)
    FROM todo
    ORDER BY n
    RETURNING id, project_id, unit_id, role
), logged AS (
    INSERT INTO history (entity, entity_id, from_status, to_status, actor, reason_code, note)
    SELECT h.entity, h.entity_id, h.from_status, h.to_status, $4, NULL, h.note
    FROM made m
    LEFT JOIN moved mv ON mv.id = m.project_id AND m.role = 'lead'
    CROSS JOIN LATERAL (VALUES
        (0, 'project', m.project_id::text, mv.from_status, $8::text, NULL::text),
        (1, 'assignment', m.id::text, NULL, 'pending',
         'project:' || m.project_id || CASE WHEN m.role = 'helper' THEN ' helper' ELSE '' END)
    ) AS h(step, entity, entity_id, from_status, to_status, note)
    WHERE h.step = 1 OR m.role = 'lead'
    -- assignment ids follow the proposals' order, so this is the one-by-one path's order
    ORDER BY m.id, h.step
    RETURNING 1
)
SELECT m.project_id, m.unit_id, m.id AS assignment_id,
       (SELECT count(*) FROM moved) AS moved, (SELECT count(*) FROM logged) AS logged
FROM made m
ORDER BY m.id;
