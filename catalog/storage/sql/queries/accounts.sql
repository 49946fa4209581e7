-- name: account_insert
INSERT INTO accounts (username, display_name, password_hash, role, community_code, grid_code, street_code, unit_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING *;

-- name: account_by_username
SELECT * FROM accounts WHERE username = $1;

-- name: account_set_active
UPDATE accounts SET active = $2 WHERE username = $1 RETURNING *;

-- name: token_insert
INSERT INTO api_tokens (token_hash, account_id, expires_at)
VALUES ($1, $2, now() + make_interval(secs => $3::double precision))
RETURNING expires_at;

-- name: token_resolve
-- A token counts only while it is unexpired, unrevoked and its account active: checked on
-- every request, so logout and revocation take effect at once.
SELECT a.*, t.expires_at AS token_expires_at,
       CASE a.role
           WHEN 'secretary' THEN ARRAY[a.community_code]
           WHEN 'grid_worker' THEN ARRAY[a.community_code]
           WHEN 'street_admin' THEN CASE WHEN a.street_code IS NULL THEN NULL ELSE ARRAY(
               SELECT c.code FROM areas c WHERE c.parent_code = a.street_code AND c.level = 'community'
               ORDER BY c.code) END
           ELSE ARRAY[]::text[]
       END AS communities
FROM api_tokens t
JOIN accounts a ON a.id = t.account_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now() AND a.active;

-- name: token_revoke
UPDATE api_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL;

-- name: tokens_revoke_account
UPDATE api_tokens t SET revoked_at = now()
FROM accounts a
WHERE a.id = t.account_id AND a.username = $1 AND t.revoked_at IS NULL;

-- name: rate_event_count
SELECT count(*) FROM rate_events WHERE bucket = $1 AND key = $2 AND at > now() - make_interval(secs => $3::double precision);

-- name: login_failures_recent
-- Failed logins under one key ($1 bucket, $2 key) within the last $3 seconds, and how long ago
-- the last was (as the database's clock has it: the same for every worker). Older ones are
-- forgotten here, so a key's rows never outgrow its memory.
WITH forgotten AS (
    DELETE FROM rate_events
    WHERE bucket = $1 AND key = $2 AND at <= now() - make_interval(secs => $3::double precision)
)
SELECT count(*)::int AS failures,
       coalesce(extract(epoch FROM now() - max(at)), 0)::float8 AS seconds_since_last
FROM rate_events
WHERE bucket = $1 AND key = $2 AND at > now() - make_interval(secs => $3::double precision);

-- name: rate_lock
-- Held to the end of the transaction that counts and records one key's events, so a burst of
-- parallel requests cannot all pass the count before any of them is recorded.
SELECT pg_advisory_xact_lock(hashtextextended('rate' || E'\n' || $1 || E'\n' || $2, 0));

-- name: rate_event_add
INSERT INTO rate_events (bucket, key) VALUES ($1, $2) RETURNING at;

-- name: rate_event_drop
-- Takes back one recorded event (a login that turned out to succeed).
DELETE FROM rate_events
WHERE ctid IN (SELECT ctid FROM rate_events WHERE bucket = $1 AND key = $2 AND at = $3 LIMIT 1);

-- name: rate_events_clear
DELETE FROM rate_events WHERE bucket = $1 AND key = $2;

-- name: rate_events_prune
DELETE FROM rate_events WHERE at < now() - make_interval(secs => $1::double precision);

-- name: idempotency_get
SELECT request_hash, status, body FROM idempotency_keys WHERE owner = $1 AND key = $2;

-- name: idempotency_put
-- The first answer wins; a racing duplicate inserts nothing and reads the stored one.
INSERT INTO idempotency_keys (owner, key, request_hash, status, body)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (owner, key) DO NOTHING;

-- name: idempotency_try_lock
-- Held for the life of one request, so a duplicate sent while the first still runs is told so
-- instead of running the command a second time.
SELECT pg_try_advisory_lock(hashtextextended($1 || E'\n' || $2, 0));

-- name: idempotency_unlock
SELECT pg_advisory_unlock(hashtextextended($1 || E'\n' || $2, 0));
