-- The batch job (sandan batch): one row per run that wrote proposals, and why each proposal was made.

CREATE TABLE batch_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    -- 'county', 'community:<code>' or 'street:<code>'
    scope       text NOT NULL CONSTRAINT ck__batch_runs__scope CHECK (scope ~ '^(county|(community|street):[0-9A-Za-z_-]{1,32})$'),
    seed        bigint NOT NULL,
    params      jsonb NOT NULL,
    counts      jsonb NOT NULL,
    objective   double precision NOT NULL,
    bound       double precision NOT NULL,
    gap         double precision NOT NULL,
    -- the engine's verdict on the plan: proven optimal, or feasible with the gap above
    status      text NOT NULL CONSTRAINT ck__batch_runs__status CHECK (status IN ('optimal', 'feasible')),
    CONSTRAINT ck__batch_runs__finished CHECK (finished_at >= started_at)
);
CREATE INDEX batch_runs_started ON batch_runs (started_at DESC);

-- The engine's score and its breakdown for each proposal (优化派单) a run wrote.
CREATE TABLE proposal_explanations (
    assignment_id bigint PRIMARY KEY CONSTRAINT fk__proposal_explanations__assignment REFERENCES assignments (id),
    run_id        bigint NOT NULL CONSTRAINT fk__proposal_explanations__run REFERENCES batch_runs (id),
    score         double precision NOT NULL,
    breakdown     jsonb NOT NULL
);
CREATE INDEX proposal_explanations_run ON proposal_explanations (run_id);
