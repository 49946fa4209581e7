-- Time limits (时限) per category, the colour each running clock has reached (蓝/黄/红), and the
-- supervision list (督办) of overdue steps.
--
-- The defaults (DOMAIN.md) live in catalog/limits.py and reach SQL as parameters of the sweep;
-- category_time_limits holds only what an administrator changed. A subcategory without an
-- override takes its top-level category's, then the default.
--
-- Clocks (steps): review 需求审核 (a pending need, counted in working time), ack 签收 (a published
-- project waiting for a unit, or an offer waiting for the unit's answer), done 办结 (accepted until
-- the completion report), close 结单回访 (the resident has not closed it; a grid worker follows up).

CREATE TABLE category_time_limits (
    category_code text NOT NULL CONSTRAINT fk__category_time_limits__category REFERENCES categories (code),
    step          text NOT NULL CONSTRAINT ck__category_time_limits__step
                      CHECK (step IN ('review', 'ack', 'done', 'close')),
    urgency       text NOT NULL CONSTRAINT ck__category_time_limits__urgency
                      CHECK (urgency IN ('urgent', 'normal', 'long_term')),
    -- whole minutes; the API checks tighter bounds per step (catalog/limits.py)
    limit_minutes integer NOT NULL CONSTRAINT ck__category_time_limits__limit_minutes
                      CHECK (limit_minutes BETWEEN 1 AND 366 * 24 * 60),
    set_by        text NOT NULL,
    set_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT category_time_limits_pkey PRIMARY KEY (category_code, step, urgency)
);

-- A need's review clock skips Saturdays and Sundays (China Standard Time): "1 working day" from
-- Friday 17:00 is Monday 17:00. Mirrored by catalog.limits.add_working_time; a test keeps them equal.
CREATE FUNCTION add_working_time(start timestamptz, span interval) RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
    t       timestamp := start AT TIME ZONE 'Asia/Shanghai';
    left_   interval := span;
    day_end timestamp;
BEGIN
    LOOP
        IF extract(isodow FROM t) >= 6 THEN
            t := date_trunc('day', t) + interval '1 day';
            CONTINUE;
        END IF;
        day_end := date_trunc('day', t) + interval '1 day';
        IF t + left_ <= day_end THEN
            RETURN (t + left_) AT TIME ZONE 'Asia/Shanghai';
        END IF;
        left_ := left_ - (day_end - t);
        t := day_end;
    END LOOP;
END
$$;

-- The clock each open need or project runs now and the colour it has reached, as of the last
-- sweep: boards list and filter by colour from here. A row describes the subject in
-- subject_status; once the subject has moved on the row is stale until the next sweep, so readers
-- join on the status too. Rows go away when no clock runs any more.
CREATE TABLE time_alerts (
    id             bigint GENERATED ALWAYS AS IDENTITY,
    subject        text NOT NULL CONSTRAINT ck__time_alerts__subject CHECK (subject IN ('need', 'project')),
    subject_id     bigint NOT NULL,
    step           text NOT NULL CONSTRAINT ck__time_alerts__step CHECK (step IN ('review', 'ack', 'done', 'close')),
    subject_status text NOT NULL,
    community_code text NOT NULL,
    street_code    text NOT NULL,
    unit_id        bigint CONSTRAINT fk__time_alerts__unit REFERENCES units (id),
    level          text NOT NULL CONSTRAINT ck__time_alerts__level CHECK (level IN ('none', 'blue', 'yellow', 'red')),
    started_at     timestamptz NOT NULL,
    deadline       timestamptz NOT NULL,
    -- when the clock reached this colour (start + the colour's share of the limit; the deadline for red)
    level_since    timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT time_alerts_pkey PRIMARY KEY (subject, subject_id),
    CONSTRAINT uq__time_alerts__id UNIQUE (id),
    CONSTRAINT ck__time_alerts__review CHECK ((step = 'review') = (subject = 'need'))
);
CREATE INDEX time_alerts_board ON time_alerts (level, street_code, community_code);

-- 督办: one item per overdue clock. At most one open item per (subject, step); never two items
-- for the same clock (a clock is its start), so an item an administrator closed is not raised
-- again by the next sweep; and the unit answerable for a step is charged one 'overdue' credit
-- event per (project, step, unit) ever: the item that charged it says so in `credited`.
CREATE TABLE supervision_items (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject        text NOT NULL CONSTRAINT ck__supervision_items__subject CHECK (subject IN ('need', 'project')),
    subject_id     bigint NOT NULL,
    step           text NOT NULL CONSTRAINT ck__supervision_items__step
                       CHECK (step IN ('review', 'ack', 'done', 'close')),
    community_code text NOT NULL,
    street_code    text NOT NULL,
    unit_id        bigint CONSTRAINT fk__supervision_items__unit REFERENCES units (id),
    started_at     timestamptz NOT NULL,
    deadline       timestamptz NOT NULL,
    raised_at      timestamptz NOT NULL,
    credited       boolean NOT NULL DEFAULT false,
    resolved_at    timestamptz,
    -- step_done: the step finished; restarted: the clock began again (given back, re-offered,
    -- reopened); withdrawn: the project was cancelled or the need withdrawn or rejected;
    -- admin: an administrator closed it with a note
    resolution     text CONSTRAINT ck__supervision_items__resolution
                       CHECK (resolution IN ('step_done', 'restarted', 'withdrawn', 'admin')),
    resolved_by    text,
    CONSTRAINT ck__supervision_items__review CHECK ((step = 'review') = (subject = 'need')),
    CONSTRAINT ck__supervision_items__resolved CHECK (
        (resolved_at IS NULL) = (resolution IS NULL) AND (resolved_at IS NULL) = (resolved_by IS NULL)),
    CONSTRAINT ck__supervision_items__credited CHECK (NOT credited OR unit_id IS NOT NULL),
    CONSTRAINT uq__supervision_items__one_per_clock UNIQUE (subject, subject_id, step, started_at)
);
CREATE UNIQUE INDEX uq__supervision_items__one_open ON supervision_items (subject, subject_id, step)
    WHERE resolved_at IS NULL;
CREATE UNIQUE INDEX uq__supervision_items__one_credit ON supervision_items (subject, subject_id, step, unit_id)
    WHERE credited;
CREATE INDEX supervision_items_street ON supervision_items (street_code, id);
CREATE INDEX supervision_items_open ON supervision_items (id) WHERE resolved_at IS NULL;
CREATE INDEX supervision_items_unit ON supervision_items (unit_id, id) WHERE unit_id IS NOT NULL;

-- 督办意见: what administrators wrote on an item; append-only like the history.
CREATE TABLE supervision_notes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id    bigint NOT NULL CONSTRAINT fk__supervision_notes__item REFERENCES supervision_items (id),
    author     text NOT NULL,
    body       text NOT NULL CONSTRAINT ck__supervision_notes__body CHECK (length(body) BETWEEN 1 AND 500),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX supervision_notes_item ON supervision_notes (item_id, id);
CREATE TRIGGER supervision_notes_append_only BEFORE UPDATE OR DELETE ON supervision_notes
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
