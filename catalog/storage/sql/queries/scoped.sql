-- Lists as a principal sees them: the scope arrives as parameters, never trusted from a client.
-- Paging is keyset on id: $after is the last id of the previous page, $asc the direction.
-- Dates are calendar days in China Standard Time.

-- name: need_page
-- $1 communities in scope (NULL: all), $2 grid in scope (NULL: any)
SELECT n.* FROM needs n
JOIN areas c ON c.code = n.community_code
WHERE ($1::text[] IS NULL OR n.community_code = ANY($1::text[]))
  AND ($2::text IS NULL OR n.grid_code = $2)
  AND ($3::text IS NULL OR n.community_code = $3)
  AND ($4::text IS NULL OR c.parent_code = $4)
  AND ($5::text IS NULL OR n.category_code = $5 OR n.category_code LIKE $5 || '.%')
  AND ($6::text IS NULL OR n.status = $6)
  AND ($7::text IS NULL OR n.urgency = $7)
  AND ($8::date IS NULL OR n.created_at >= ($8::date::timestamp AT TIME ZONE 'Asia/Shanghai'))
  AND ($9::date IS NULL OR n.created_at < (($9::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'))
  AND ($10::bigint IS NULL OR CASE WHEN $11::boolean THEN n.id > $10 ELSE n.id < $10 END)
ORDER BY CASE WHEN $11::boolean THEN n.id END, n.id DESC
LIMIT $12;

-- name: project_page
-- $1 communities in scope (NULL: all); $12 statuses every reader of this kind may see (NULL:
-- any) and $13 a unit that sees, besides, every project it ever held.
SELECT p.* FROM projects p
JOIN areas c ON c.code = p.community_code
WHERE ($1::text[] IS NULL OR p.community_code = ANY($1::text[]))
  AND ($12::text[] IS NULL OR p.status = ANY($12::text[])
       OR EXISTS (SELECT 1 FROM assignments a WHERE a.project_id = p.id AND a.unit_id = $13))
  AND ($2::text IS NULL OR p.community_code = $2)
  AND ($3::text IS NULL OR c.parent_code = $3)
  AND ($4::text IS NULL OR p.category_code = $4 OR p.category_code LIKE $4 || '.%')
  AND ($5::text IS NULL OR p.status = $5)
  AND ($6::text IS NULL OR p.urgency = $6)
  AND ($7::date IS NULL OR p.created_at >= ($7::date::timestamp AT TIME ZONE 'Asia/Shanghai'))
  AND ($8::date IS NULL OR p.created_at < (($8::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'))
  AND ($9::bigint IS NULL OR CASE WHEN $10::boolean THEN p.id > $9 ELSE p.id < $9 END)
ORDER BY CASE WHEN $10::boolean THEN p.id END, p.id DESC
LIMIT $11;

-- name: resource_page
-- $1: the reader is an administrator and sees every status of the units homed in street $9
-- (NULL: of every unit, the alliance's); everyone sees published ones, a unit ($2) its own.
SELECT * FROM resources r
WHERE (($1::boolean AND ($9::text IS NULL OR EXISTS (
            SELECT 1 FROM units u WHERE u.id = r.unit_id AND area_street(u.home_area) = $9)))
       OR status = 'published' OR unit_id = $2)
  AND ($3::bigint IS NULL OR unit_id = $3)
  AND ($4::text IS NULL OR status = $4)
  AND ($5::text IS NULL OR category_code = $5 OR category_code LIKE $5 || '.%')
  AND ($6::bigint IS NULL OR CASE WHEN $7::boolean THEN id > $6 ELSE id < $6 END)
ORDER BY CASE WHEN $7::boolean THEN id END, id DESC
LIMIT $8;

-- name: unit_page
SELECT *, area_street(home_area) AS home_street FROM units
WHERE ($1::text IS NULL OR unit_type = $1)
  AND ($2::bigint IS NULL OR CASE WHEN $3::boolean THEN id > $2 ELSE id < $2 END)
ORDER BY CASE WHEN $3::boolean THEN id END, id DESC
LIMIT $4;

-- name: units_who_held
-- Every unit that ever had a claim or an offer on the project.
SELECT DISTINCT unit_id FROM assignments WHERE project_id = $1;

-- name: assignment_get_scoped
SELECT a.*, p.community_code FROM assignments a JOIN projects p ON p.id = a.project_id WHERE a.id = $1;

-- name: credit_ledger_page
SELECT * FROM credit_events
WHERE unit_id = $1 AND ($2::bigint IS NULL OR CASE WHEN $3::boolean THEN id > $2 ELSE id < $2 END)
ORDER BY CASE WHEN $3::boolean THEN id END, id DESC
LIMIT $4;

-- name: public_project_page
-- The public board: only columns without personal data, and only projects out in the open.
-- $9 one project by number; $10 urgency, $11..$12 created from / to (calendar days, as above).
SELECT p.id, p.number, p.title, p.category_code, cat.name AS category_name, p.community_code,
       c.name AS community_name, p.status, p.urgency, p.published_at, p.completed_at,
       p.beneficiaries_served,
       (SELECT u.name FROM assignments a JOIN units u ON u.id = a.unit_id
        WHERE a.project_id = p.id AND a.role = 'lead' AND a.status IN ('active', 'completed')
        ORDER BY a.id DESC LIMIT 1) AS unit_name
FROM projects p
JOIN categories cat ON cat.code = p.category_code
JOIN areas c ON c.code = p.community_code
WHERE p.status = ANY($1::text[])
  AND ($2::text IS NULL OR p.community_code = $2)
  AND ($3::text IS NULL OR c.parent_code = $3)
  AND ($4::text IS NULL OR p.category_code = $4 OR p.category_code LIKE $4 || '.%')
  AND ($5::text IS NULL OR p.status = $5)
  AND ($6::bigint IS NULL OR CASE WHEN $7::boolean THEN p.id > $6 ELSE p.id < $6 END)
  AND ($9::text IS NULL OR p.number = $9)
  AND ($10::text IS NULL OR p.urgency = $10)
  AND ($11::date IS NULL OR p.created_at >= ($11::date::timestamp AT TIME ZONE 'Asia/Shanghai'))
  AND ($12::date IS NULL OR p.created_at < (($12::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'))
ORDER BY CASE WHEN $7::boolean THEN p.id END, p.id DESC
LIMIT $8;

-- name: public_progress_of_project
SELECT e.body, e.photo_url, e.created_at FROM progress_entries e
JOIN projects p ON p.id = e.project_id
WHERE p.number = $1
ORDER BY e.id;

-- name: league_units
-- Every active unit with how many projects it finished, for the monthly league table.
SELECT u.id, u.name, u.unit_type,
       (SELECT count(*) FROM credit_events e WHERE e.unit_id = u.id AND e.kind = 'finished') AS finished
FROM units u
WHERE u.status = 'active'
ORDER BY u.id;

-- name: outbox_closing_link
-- One message per distinct requester phone of the project's needs.
INSERT INTO outbox (channel, recipient, project_id, body)
SELECT DISTINCT 'sms', n.requester_phone, $1::bigint, $2::text
FROM needs n WHERE n.project_id = $1;

-- name: requester_names_of_projects
-- Whose names to hide in the free text of these projects (titles, progress notes).
SELECT project_id, requester_name FROM needs WHERE project_id = ANY($1::bigint[]);
