-- Run records are written in the batch job's one write transaction, tens of thousands of rows at a
-- time, and read one page at a time: keep what each row costs to write small.
--
-- Explanations are stored as the JSON text the job made (json, not jsonb): nothing queries
-- inside them, and parsing 100k of them into jsonb cost the write phase more than a second.
ALTER TABLE proposal_explanations
    ALTER COLUMN breakdown TYPE json USING breakdown::json,
    ALTER COLUMN runner_ups DROP DEFAULT,
    ALTER COLUMN runner_ups TYPE json USING runner_ups::json,
    ALTER COLUMN runner_ups SET DEFAULT '[]'::json;

-- An unmatched project's "taken by" project and resource are what the engine saw at the run,
-- kept as a record (projects and resources are never deleted; they are cancelled or retired).
-- Checking them against their tables locked two more rows per unmatched project.
ALTER TABLE batch_run_unmatched
    DROP CONSTRAINT fk__batch_run_unmatched__resource,
    DROP CONSTRAINT fk__batch_run_unmatched__taken_by;
