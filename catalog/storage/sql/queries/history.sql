-- name: history_append
INSERT INTO history (entity, entity_id, from_status, to_status, actor, reason_code, note)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: history_append_many
-- One row per id, all with the same change: used by sweeps that move many rows at once.
INSERT INTO history (entity, entity_id, from_status, to_status, actor, reason_code, note)
SELECT $1, unnest($2::text[]), $3, $4, $5, $6, $7;

-- name: history_of
SELECT * FROM history WHERE entity = $1 AND entity_id = $2 ORDER BY id;
