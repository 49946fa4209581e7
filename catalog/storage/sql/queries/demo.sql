-- name: demo_has_data
SELECT EXISTS (SELECT 1 FROM units) OR EXISTS (SELECT 1 FROM needs);

-- name: demo_lock
-- Two demo loads started at once must not both pass the empty-database check.
SELECT pg_advisory_xact_lock(hashtext('sandan.demo'));

-- name: demo_counts
-- Per entity, a key (status, level or type) and how many rows have it.
SELECT 'areas' AS entity, level AS k, count(*) AS n FROM areas GROUP BY level
UNION ALL SELECT 'units', unit_type, count(*) FROM units GROUP BY unit_type
UNION ALL SELECT 'resources', status, count(*) FROM resources GROUP BY status
UNION ALL SELECT 'needs', status, count(*) FROM needs GROUP BY status
UNION ALL SELECT 'projects', status, count(*) FROM projects GROUP BY status
UNION ALL SELECT 'assignments', status, count(*) FROM assignments GROUP BY status;

-- name: demo_totals
SELECT (SELECT count(*) FROM progress_entries) AS progress_entries,
       (SELECT count(*) FROM ratings) AS ratings,
       (SELECT count(*) FROM credit_events) AS credit_events;

-- name: demo_now
-- The load's own moment: every row the load wrote carries it until demo_backdate moves it.
SELECT now();

-- name: demo_guards_off
-- The demo rewrites the times of rows it wrote itself, in its own transaction, before anyone can
-- read them; the append-only guards come back on (demo_guards_on) before it commits.
ALTER TABLE history DISABLE TRIGGER history_append_only;
-- name: demo_guards_off_ratings
ALTER TABLE ratings DISABLE TRIGGER ratings_append_only;
-- name: demo_guards_off_credit
ALTER TABLE credit_events DISABLE TRIGGER credit_events_append_only;
-- name: demo_guards_on
ALTER TABLE history ENABLE TRIGGER history_append_only;
-- name: demo_guards_on_ratings
ALTER TABLE ratings ENABLE TRIGGER ratings_append_only;
-- name: demo_guards_on_credit
ALTER TABLE credit_events ENABLE TRIGGER credit_events_append_only;

-- name: demo_backdate
-- Spread the demo's story over the weeks before $1 (the load's moment, which every row carries).
-- Each project's history (its needs', its own, its assignments') is laid out in order, evenly,
-- from $3 to $4 minutes before $1; each need outside a project likewise from $7 to $8. Every
-- other time follows from those rows: a project's created/published/accepted/completed/closed,
-- an assignment's created/answered/ended (its time to live kept), a need's created/reviewed,
-- progress between the project's start of work and its next step, credit events and ratings at
-- the step that earned them, closing links from the completion. Windows and claim deadlines move
-- by $5 minutes. Units and resources were set up fifty days ago.
WITH plan AS (
    SELECT * FROM unnest($2::bigint[], $3::int[], $4::int[], $5::int[]) AS t(project_id, start_min, end_min, shift_min)
), loose AS (
    SELECT * FROM unnest($6::bigint[], $7::int[], $8::int[]) AS t(need_id, start_min, end_min)
), owned AS (
    SELECT h.id, 'p' AS kind, p.project_id AS grp, h.entity, h.entity_id, h.to_status
    FROM history h JOIN plan p ON h.entity = 'project' AND h.entity_id = p.project_id::text
    UNION ALL
    SELECT h.id, 'p', a.project_id, h.entity, h.entity_id, h.to_status
    FROM history h JOIN assignments a ON h.entity = 'assignment' AND h.entity_id = a.id::text
    UNION ALL
    SELECT h.id, CASE WHEN n.project_id IS NULL THEN 'n' ELSE 'p' END, coalesce(n.project_id, n.id),
           h.entity, h.entity_id, h.to_status
    FROM history h JOIN needs n ON h.entity = 'need' AND h.entity_id = n.id::text
), ranked AS (
    SELECT o.*, row_number() OVER w - 1 AS k, count(*) OVER (PARTITION BY o.kind, o.grp) - 1 AS last
    FROM owned o
    WINDOW w AS (PARTITION BY o.kind, o.grp ORDER BY o.id)
), times AS (
    SELECT r.id, r.entity, r.entity_id, r.to_status,
           $1::timestamptz - make_interval(mins => (s.start_min - (s.start_min - s.end_min) * r.k / greatest(r.last, 1))::int) AS at
    FROM ranked r
    JOIN (SELECT 'p' AS kind, project_id AS grp, start_min, end_min FROM plan
          UNION ALL SELECT 'n', need_id, start_min, end_min FROM loose) s ON s.kind = r.kind AND s.grp = r.grp
), setup AS (
    SELECT h.id, h.entity, h.entity_id, h.to_status,
           $1::timestamptz - interval '50 days' + make_interval(mins => 7 * (row_number() OVER (ORDER BY h.id))::int) AS at
    FROM history h
    WHERE h.entity IN ('unit', 'resource', 'area')
), pnew AS (
    SELECT t.entity_id::bigint AS id,
           min(t.at) AS created_at,
           min(t.at) FILTER (WHERE t.to_status = 'published') AS published_at,
           max(t.at) FILTER (WHERE t.to_status = 'accepted') AS accepted_at,
           max(t.at) FILTER (WHERE t.to_status = 'in_progress') AS started_at,
           max(t.at) FILTER (WHERE t.to_status = 'awaiting_close') AS completed_at,
           max(t.at) FILTER (WHERE t.to_status IN ('rated', 'closed', 'cancelled')) AS closed_at,
           max(t.at) AS last_at
    FROM times t WHERE t.entity = 'project' GROUP BY t.entity_id
), anew AS (
    SELECT t.entity_id::bigint AS id, min(t.at) AS created_at,
           min(t.at) FILTER (WHERE t.to_status IN ('active', 'declined')) AS answered_at,
           max(t.at) AS last_at
    FROM times t WHERE t.entity = 'assignment' GROUP BY t.entity_id
), nnew AS (
    SELECT t.entity_id::bigint AS id, min(t.at) AS created_at,
           min(t.at) FILTER (WHERE t.to_status IN ('accepted', 'rejected')) AS reviewed_at, max(t.at) AS last_at
    FROM times t WHERE t.entity = 'need' GROUP BY t.entity_id
), rnew AS (
    SELECT s.entity_id::bigint AS id, min(s.at) AS created_at, max(s.at) AS last_at
    FROM setup s WHERE s.entity = 'resource' GROUP BY s.entity_id
), unew AS (
    SELECT s.entity_id::bigint AS id, min(s.at) AS created_at FROM setup s WHERE s.entity = 'unit' GROUP BY s.entity_id
), h_done AS (
    UPDATE history h SET at = x.at
    FROM (SELECT id, at FROM times UNION ALL SELECT id, at FROM setup) x
    WHERE h.id = x.id
    RETURNING 1
), p_done AS (
    UPDATE projects p
    SET created_at = n.created_at, updated_at = n.last_at,
        published_at = CASE WHEN p.published_at IS NOT NULL THEN n.published_at END,
        accepted_at = CASE WHEN p.accepted_at IS NOT NULL THEN n.accepted_at END,
        completed_at = CASE WHEN p.completed_at IS NOT NULL THEN n.completed_at END,
        closed_at = CASE WHEN p.closed_at IS NOT NULL THEN n.closed_at END,
        window_start = p.window_start - make_interval(mins => pl.shift_min),
        window_end = p.window_end - make_interval(mins => pl.shift_min),
        claim_deadline = p.claim_deadline - make_interval(mins => pl.shift_min)
    FROM pnew n JOIN plan pl ON pl.project_id = n.id
    WHERE p.id = n.id
    RETURNING 1
), a_done AS (
    UPDATE assignments a
    SET created_at = n.created_at,
        expires_at = n.created_at + (a.expires_at - a.created_at),
        answered_at = CASE WHEN a.answered_at IS NOT NULL THEN coalesce(n.answered_at, n.last_at) END,
        ended_at = CASE WHEN a.ended_at IS NOT NULL THEN n.last_at END
    FROM anew n
    WHERE a.id = n.id
    RETURNING 1
), n_done AS (
    UPDATE needs d
    SET created_at = n.created_at, updated_at = n.last_at,
        reviewed_at = CASE WHEN d.reviewed_at IS NOT NULL THEN coalesce(n.reviewed_at, n.last_at) END
    FROM nnew n
    WHERE d.id = n.id
    RETURNING 1
), e_done AS (
    UPDATE progress_entries e
    SET created_at = x.at
    FROM (
        SELECT e.id, n.started_at + (coalesce(
                   (SELECT min(t.at) FROM times t
                    WHERE t.entity = 'project' AND t.entity_id = e.project_id::text AND t.at > n.started_at),
                   n.started_at + ($1::timestamptz - n.started_at) * 0.8) - n.started_at)
                 * (row_number() OVER (PARTITION BY e.project_id ORDER BY e.id) - 1)
                 / count(*) OVER (PARTITION BY e.project_id) AS at
        FROM progress_entries e JOIN pnew n ON n.id = e.project_id
        WHERE n.started_at IS NOT NULL
    ) x
    WHERE e.id = x.id
    RETURNING 1
), c_done AS (
    UPDATE credit_events c
    SET created_at = coalesce(CASE
            WHEN c.kind IN ('finished', 'finished_on_time', 'finished_late') THEN n.completed_at
            WHEN c.kind = 'rating' THEN n.closed_at
            WHEN c.kind IN ('answered_in_time', 'answered_late', 'declined_with_reason') THEN (
                SELECT max(an.answered_at) FROM assignments a JOIN anew an ON an.id = a.id
                WHERE a.project_id = c.project_id AND a.unit_id = c.unit_id)
            ELSE (SELECT max(an.last_at) FROM assignments a JOIN anew an ON an.id = a.id
                  WHERE a.project_id = c.project_id AND a.unit_id = c.unit_id)
        END, c.created_at)
    FROM pnew n
    WHERE n.id = c.project_id
    RETURNING 1
), r_done AS (
    UPDATE ratings r SET created_at = n.closed_at FROM pnew n WHERE n.id = r.project_id AND n.closed_at IS NOT NULL
    RETURNING 1
), t_done AS (
    UPDATE closing_tokens k
    SET created_at = n.completed_at, expires_at = n.completed_at + (k.expires_at - k.created_at),
        used_at = CASE WHEN k.used_at IS NOT NULL THEN n.closed_at END
    FROM pnew n
    WHERE n.id = k.project_id AND n.completed_at IS NOT NULL
    RETURNING 1
), res_done AS (
    UPDATE resources r SET created_at = n.created_at, updated_at = n.last_at FROM rnew n WHERE r.id = n.id
    RETURNING 1
), u_done AS (
    UPDATE units u SET created_at = n.created_at FROM unew n WHERE u.id = n.id
    RETURNING 1
)
SELECT (SELECT count(*) FROM h_done) AS history, (SELECT count(*) FROM p_done) AS projects,
       (SELECT count(*) FROM a_done) AS assignments, (SELECT count(*) FROM n_done) AS needs,
       (SELECT count(*) FROM e_done) AS progress, (SELECT count(*) FROM c_done) AS credit,
       (SELECT count(*) FROM r_done) AS ratings, (SELECT count(*) FROM t_done) AS tokens,
       (SELECT count(*) FROM res_done) AS resources, (SELECT count(*) FROM u_done) AS units;
