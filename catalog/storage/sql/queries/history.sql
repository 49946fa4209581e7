-- name: history_append
INSERT INTO history (entity, entity_id, from_status, to_status, actor, reason_code, note)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: history_append_many
-- One row per id ($2) with the status it moved from ($3), all moved to the same status for the
-- same reason: used by sweeps that move many rows at once. In the order given.
INSERT INTO history (entity, entity_id, from_status, to_status, actor, reason_code, note)
SELECT $1, h.i, h.f, $4, $5, $6, $7
FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS h(i, f, n)
ORDER BY h.n;

-- name: history_of
SELECT * FROM history WHERE entity = $1 AND entity_id = $2 ORDER BY id;
