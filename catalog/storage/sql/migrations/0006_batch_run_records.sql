-- The run record says everything a run did: what the sweep changed, how long each phase took,
-- which projects stayed unmatched and why, and the supply-gap table; each proposal's explanation
-- names the units that came next and what they lost on.

ALTER TABLE batch_runs
    -- what the sweep changed: {"expired": n, "closed_unrated": n, ...} (time limits add their own keys)
    ADD COLUMN sweep      jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- seconds per phase: {"sweep": s, "snapshot": s, "solve": s, "write": s}
    ADD COLUMN phases     jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- the engine's table of demand, supply and shortfall by category x community
    ADD COLUMN supply_gap jsonb NOT NULL DEFAULT '[]'::jsonb,
    -- every community the run looked at (its open projects'): who may read the record
    ADD COLUMN communities text[] NOT NULL DEFAULT '{}';
CREATE INDEX batch_runs_communities ON batch_runs USING gin (communities);

-- The next units for each proposal: [{"unit_id", "resource_id", "score", "behind", "lost_on", "breakdown"}]
ALTER TABLE proposal_explanations
    ADD COLUMN runner_ups jsonb NOT NULL DEFAULT '[]'::jsonb;

-- Projects a run left unmatched, with the engine's reason and, for lost_to_better_use, the
-- resource and the project that took the place.
CREATE TABLE batch_run_unmatched (
    run_id      bigint NOT NULL CONSTRAINT fk__batch_run_unmatched__run REFERENCES batch_runs (id),
    project_id  bigint NOT NULL CONSTRAINT fk__batch_run_unmatched__project REFERENCES projects (id),
    reason      text NOT NULL CONSTRAINT ck__batch_run_unmatched__reason CHECK (reason ~ '^[a-z_]{1,40}$'),
    taken_by_resource_id bigint CONSTRAINT fk__batch_run_unmatched__resource REFERENCES resources (id),
    taken_by_project_id  bigint CONSTRAINT fk__batch_run_unmatched__taken_by REFERENCES projects (id),
    CONSTRAINT pk__batch_run_unmatched PRIMARY KEY (run_id, project_id)
);
