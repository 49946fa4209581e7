-- name: credit_append
INSERT INTO credit_events (unit_id, project_id, kind, value)
VALUES ($1, $2, $3, $4)
RETURNING *;

-- name: credit_tally
-- Everything the credit formula needs, per unit, from the ledger alone.
SELECT unit_id, kind, count(*) AS n, coalesce(sum(value), 0) AS value_sum
FROM credit_events
WHERE ($1::bigint[] IS NULL OR unit_id = ANY($1::bigint[]))
GROUP BY unit_id, kind;
