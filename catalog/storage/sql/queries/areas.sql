-- name: area_insert
INSERT INTO areas (code, level, name, parent_code, lat, lon, households)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING *;

-- name: area_list
SELECT * FROM areas WHERE ($1::text IS NULL OR level = $1) ORDER BY code;

-- name: category_insert
-- The level follows from the parent: a category without a parent is a top-level one.
INSERT INTO categories (code, level, name, parent_code, sort_order)
VALUES ($1, CASE WHEN $3::text IS NULL THEN 1 ELSE 2 END, $2, $3, $4)
RETURNING *;

-- name: category_parent_level
SELECT level FROM categories WHERE code = $1;

-- name: category_list
SELECT * FROM categories WHERE ($1::boolean OR retired_at IS NULL) ORDER BY sort_order, code;

-- name: category_retire
UPDATE categories SET retired_at = now()
WHERE code = $1 AND retired_at IS NULL
RETURNING *;

-- name: category_get
SELECT * FROM categories WHERE code = $1;

-- Every query that returns a unit returns its home_street too (area_street: NULL for a unit
-- homed county-wide): whom it answers to, for the access rules.

-- name: unit_insert
INSERT INTO units (name, unit_type, contact_name, contact_phone, home_area, active_cap)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING *, area_street(home_area) AS home_street;

-- name: unit_get
SELECT *, area_street(home_area) AS home_street FROM units WHERE id = $1;

-- name: area_street
-- The street of an area: NULL for the district (county-wide); no row for an unknown code.
SELECT area_street(code) AS street FROM areas WHERE code = $1;

-- name: unit_set_status
-- $4: the street the administrator manages (NULL: every unit, the alliance's). A unit moved to
-- another street since it was read is not changed (no row back).
WITH old AS (SELECT id, status FROM units
             WHERE id = $1 AND status = ANY($2::text[])
               AND ($4::text IS NULL OR area_street(home_area) = $4)
             FOR UPDATE)
UPDATE units u SET status = $3 FROM old WHERE u.id = old.id
RETURNING u.*, area_street(u.home_area) AS home_street, old.status AS from_status;

-- name: unit_lock_for_take
-- Serialises a unit's own claims and acceptances so its cap holds under concurrency.
-- Count its live work with unit_live_work *after* this returns: a count taken in this statement
-- would use the snapshot from before the wait and miss what the previous lock holder committed.
-- NO KEY UPDATE, not UPDATE: takes still queue behind each other, but rows that merely point at
-- the unit (credit events, ratings written by the sweep or a closing resident) are not blocked.
SELECT u.id, u.status, u.active_cap
FROM units u
WHERE u.id = $1
FOR NO KEY UPDATE;

-- name: unit_live_work
SELECT count(*) FROM assignments WHERE unit_id = $1 AND status IN ('pending', 'active');

-- name: category_open_for_new
-- Whether a subcategory may be used on a new need, resource or project: retired ones may not.
SELECT level, retired_at FROM categories WHERE code = $1;
