-- name: closing_token_insert
INSERT INTO closing_tokens (project_id, token_hash, expires_at)
VALUES ($1, $2, now() + make_interval(days => $3));

-- name: closing_token_use
-- Single use: the guard on used_at makes a second use (or a racing one) find no row.
UPDATE closing_tokens SET used_at = now()
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
RETURNING project_id;

-- name: closing_token_state
SELECT project_id, used_at, expires_at FROM closing_tokens WHERE token_hash = $1;

-- name: closing_link_get
-- What a link is for, read without using it; "expired" by the database's clock, as the use is.
SELECT p.number, t.used_at, t.expires_at, t.expires_at <= now() AS expired
FROM closing_tokens t JOIN projects p ON p.id = t.project_id
WHERE t.token_hash = $1;

-- name: rating_insert
INSERT INTO ratings (project_id, unit_id, outcome, score, comment)
VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- name: projects_close_unrated
-- No answer from the resident in time: the project closes as 未评价, never as satisfied; from one
-- of the statuses $2 closing starts from (awaiting close) to $3.
WITH due AS (
    SELECT p.id, p.status FROM projects p
    JOIN closing_tokens t ON t.project_id = p.id
    WHERE p.status = ANY($2::text[]) AND t.used_at IS NULL AND t.expires_at <= $1
    ORDER BY p.id
    FOR UPDATE OF p SKIP LOCKED
)
UPDATE projects p SET status = $3, status_reason = 'not_rated', closed_at = now(), updated_at = now()
FROM due WHERE p.id = due.id
RETURNING p.id, due.status AS from_status;
