-- The three lists (需求清单, 资源清单, 项目清单), who owns what, and what happened.
-- Status values are English; their Chinese labels live in catalog/enums.py.
-- Constraint names follow uq__/fk__/ck__<table>__<what>: catalog/errors.py maps them to reason codes.

CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation', CONSTRAINT = 'ck__' || TG_TABLE_NAME || '__append_only';
END
$$;

-- Areas: district → street → community → grid ------------------------------------------------
CREATE TABLE areas (
    code        text PRIMARY KEY CONSTRAINT ck__areas__code CHECK (code ~ '^[0-9A-Za-z_-]{1,32}$'),
    level       text NOT NULL CONSTRAINT ck__areas__level
                    CHECK (level IN ('district', 'street', 'community', 'grid')),
    name        text NOT NULL CONSTRAINT ck__areas__name CHECK (length(name) BETWEEN 1 AND 100),
    parent_code text CONSTRAINT fk__areas__parent REFERENCES areas (code),
    lat         double precision CONSTRAINT ck__areas__lat CHECK (lat BETWEEN -90 AND 90),
    lon         double precision CONSTRAINT ck__areas__lon CHECK (lon BETWEEN -180 AND 180),
    households  integer CONSTRAINT ck__areas__households CHECK (households >= 0),
    CONSTRAINT ck__areas__root CHECK ((level = 'district') = (parent_code IS NULL)),
    -- targets of composite foreign keys: "this code is a community", "this grid is in that community"
    CONSTRAINT uq__areas__code_level UNIQUE (code, level),
    CONSTRAINT uq__areas__code_parent UNIQUE (code, parent_code)
);

CREATE FUNCTION areas_parent_level() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    want text := CASE NEW.level WHEN 'street' THEN 'district'
                                WHEN 'community' THEN 'street'
                                WHEN 'grid' THEN 'community' END;
BEGIN
    IF want IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM areas WHERE code = NEW.parent_code AND level = want
    ) THEN
        RAISE EXCEPTION 'a % must sit in a %', NEW.level, want
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck__areas__parent_level';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER areas_parent_level BEFORE INSERT OR UPDATE ON areas
    FOR EACH ROW EXECUTE FUNCTION areas_parent_level();

-- Categories: two levels ---------------------------------------------------------------------
CREATE TABLE categories (
    code        text PRIMARY KEY CONSTRAINT ck__categories__code CHECK (code ~ '^[a-z][a-z0-9_.]{1,63}$'),
    level       smallint NOT NULL CONSTRAINT ck__categories__level CHECK (level IN (1, 2)),
    name        text NOT NULL CONSTRAINT ck__categories__name CHECK (length(name) BETWEEN 1 AND 50),
    parent_code text CONSTRAINT fk__categories__parent REFERENCES categories (code),
    sort_order  integer NOT NULL DEFAULT 0,
    retired_at  timestamptz,
    CONSTRAINT ck__categories__root CHECK ((level = 1) = (parent_code IS NULL)),
    CONSTRAINT uq__categories__name UNIQUE (parent_code, name),
    CONSTRAINT uq__categories__code_level UNIQUE (code, level)
);

-- Member units of the alliance ---------------------------------------------------------------
CREATE TABLE units (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CONSTRAINT ck__units__name CHECK (length(name) BETWEEN 1 AND 100),
    unit_type     text NOT NULL CONSTRAINT ck__units__unit_type CHECK (unit_type IN (
                      'department', 'stationed', 'new_org', 'mass_org', 'talent_studio',
                      'association', 'volunteer_team', 'enterprise')),
    contact_name  text NOT NULL,
    contact_phone text NOT NULL CONSTRAINT ck__units__contact_phone CHECK (contact_phone ~ '^[0-9+-]{5,20}$'),
    home_area     text NOT NULL CONSTRAINT fk__units__home_area REFERENCES areas (code),
    status        text NOT NULL DEFAULT 'active'
                      CONSTRAINT ck__units__status CHECK (status IN ('active', 'suspended')),
    active_cap    integer NOT NULL CONSTRAINT ck__units__active_cap CHECK (active_cap BETWEEN 1 AND 1000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq__units__name UNIQUE (name)
);

-- 资源清单: what units offer -----------------------------------------------------------------
CREATE TABLE resources (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id           bigint NOT NULL CONSTRAINT fk__resources__unit REFERENCES units (id),
    title             text NOT NULL CONSTRAINT ck__resources__title CHECK (length(title) BETWEEN 1 AND 100),
    content           text NOT NULL DEFAULT '',
    category_code     text NOT NULL,
    category_level    smallint NOT NULL GENERATED ALWAYS AS (2) STORED,
    skills            text[] NOT NULL DEFAULT '{}',
    capacity_projects integer CONSTRAINT ck__resources__capacity_projects CHECK (capacity_projects > 0),
    capacity_hours    integer CONSTRAINT ck__resources__capacity_hours CHECK (capacity_hours > 0),
    area_communities  text[] NOT NULL DEFAULT '{}',
    centre_lat        double precision CONSTRAINT ck__resources__centre_lat CHECK (centre_lat BETWEEN -90 AND 90),
    centre_lon        double precision CONSTRAINT ck__resources__centre_lon CHECK (centre_lon BETWEEN -180 AND 180),
    radius_km         double precision CONSTRAINT ck__resources__radius_km CHECK (radius_km > 0 AND radius_km <= 500),
    availability      jsonb NOT NULL DEFAULT '[]',
    valid_from        date,
    valid_to          date,
    mode              text NOT NULL CONSTRAINT ck__resources__mode CHECK (mode IN ('home', 'venue', 'online')),
    fee_type          text NOT NULL DEFAULT 'free' CONSTRAINT ck__resources__fee_type CHECK (fee_type IN ('free', 'low_cost')),
    fee_amount        numeric(10, 2) CONSTRAINT ck__resources__fee_amount CHECK (fee_amount >= 0),
    target_groups     text[] NOT NULL DEFAULT '{}',
    status            text NOT NULL DEFAULT 'pending'
                          CONSTRAINT ck__resources__status CHECK (status IN ('pending', 'published', 'delisted')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT fk__resources__category FOREIGN KEY (category_code, category_level)
        REFERENCES categories (code, level),
    CONSTRAINT ck__resources__capacity CHECK (capacity_projects IS NOT NULL OR capacity_hours IS NOT NULL),
    CONSTRAINT ck__resources__area CHECK (
        cardinality(area_communities) > 0
        OR (centre_lat IS NOT NULL AND centre_lon IS NOT NULL AND radius_km IS NOT NULL)),
    CONSTRAINT ck__resources__centre CHECK (
        (centre_lat IS NULL) = (centre_lon IS NULL) AND (centre_lat IS NULL) = (radius_km IS NULL)),
    CONSTRAINT ck__resources__valid CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to),
    CONSTRAINT ck__resources__fee CHECK ((fee_type = 'low_cost') = (fee_amount IS NOT NULL))
);
CREATE INDEX resources_unit ON resources (unit_id);
CREATE INDEX resources_published ON resources (category_code) WHERE status = 'published';

-- 项目清单 ------------------------------------------------------------------------------------
CREATE TABLE projects (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number          text GENERATED ALWAYS AS ('XM' || lpad(id::text, 7, '0')) STORED,
    title           text NOT NULL CONSTRAINT ck__projects__title CHECK (length(title) BETWEEN 1 AND 100),
    description     text NOT NULL DEFAULT '',
    category_code   text NOT NULL,
    category_level  smallint NOT NULL GENERATED ALWAYS AS (2) STORED,
    community_code  text NOT NULL,
    community_level text NOT NULL GENERATED ALWAYS AS ('community') STORED,
    required_skills text[] NOT NULL DEFAULT '{}',
    place           text NOT NULL DEFAULT '',
    lat             double precision CONSTRAINT ck__projects__lat CHECK (lat BETWEEN -90 AND 90),
    lon             double precision CONSTRAINT ck__projects__lon CHECK (lon BETWEEN -180 AND 180),
    window_start    timestamptz,
    window_end      timestamptz,
    units_required  smallint NOT NULL DEFAULT 1 CONSTRAINT ck__projects__units_required CHECK (units_required BETWEEN 1 AND 20),
    estimated_hours numeric(8, 1) NOT NULL CONSTRAINT ck__projects__estimated_hours CHECK (estimated_hours > 0),
    priority        smallint NOT NULL DEFAULT 3 CONSTRAINT ck__projects__priority CHECK (priority BETWEEN 1 AND 5),
    urgency         text NOT NULL DEFAULT 'normal' CONSTRAINT ck__projects__urgency CHECK (urgency IN ('urgent', 'normal', 'long_term')),
    dispatch_mode   text NOT NULL CONSTRAINT ck__projects__dispatch_mode CHECK (dispatch_mode IN ('claim', 'directed', 'optimise')),
    claim_deadline  timestamptz,
    status          text NOT NULL DEFAULT 'draft' CONSTRAINT ck__projects__status CHECK (status IN (
                        'draft', 'published', 'claiming', 'dispatched', 'accepted', 'in_progress',
                        'awaiting_close', 'closed', 'rated', 'cancelled')),
    status_reason   text,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz,
    accepted_at     timestamptz,
    completed_at    timestamptz,
    closed_at       timestamptz,
    completion_note text,
    beneficiaries_served integer CONSTRAINT ck__projects__beneficiaries_served CHECK (beneficiaries_served >= 0),
    hours_spent     numeric(8, 1) CONSTRAINT ck__projects__hours_spent CHECK (hours_spent >= 0),
    CONSTRAINT uq__projects__number UNIQUE (number),
    CONSTRAINT fk__projects__category FOREIGN KEY (category_code, category_level) REFERENCES categories (code, level),
    CONSTRAINT fk__projects__community FOREIGN KEY (community_code, community_level) REFERENCES areas (code, level),
    CONSTRAINT ck__projects__window CHECK (window_end IS NULL OR window_start IS NULL OR window_start < window_end),
    CONSTRAINT ck__projects__point CHECK ((lat IS NULL) = (lon IS NULL))
);
CREATE INDEX projects_status ON projects (status, community_code);
CREATE INDEX projects_community ON projects (community_code, created_at DESC);

-- 需求清单 ------------------------------------------------------------------------------------
CREATE TABLE needs (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number             text GENERATED ALWAYS AS ('XQ' || lpad(id::text, 7, '0')) STORED,
    title              text NOT NULL CONSTRAINT ck__needs__title CHECK (length(title) BETWEEN 1 AND 100),
    description        text NOT NULL DEFAULT '' CONSTRAINT ck__needs__description CHECK (length(description) <= 5000),
    category_code      text NOT NULL,
    category_level     smallint NOT NULL GENERATED ALWAYS AS (2) STORED,
    community_code     text NOT NULL,
    community_level    text NOT NULL GENERATED ALWAYS AS ('community') STORED,
    grid_code          text,
    lat                double precision CONSTRAINT ck__needs__lat CHECK (lat BETWEEN -90 AND 90),
    lon                double precision CONSTRAINT ck__needs__lon CHECK (lon BETWEEN -180 AND 180),
    beneficiary_count  integer NOT NULL DEFAULT 1 CONSTRAINT ck__needs__beneficiary_count CHECK (beneficiary_count BETWEEN 1 AND 100000),
    beneficiary_groups text[] NOT NULL DEFAULT '{}',
    urgency            text NOT NULL CONSTRAINT ck__needs__urgency CHECK (urgency IN ('urgent', 'normal', 'long_term')),
    desired_from       date,
    desired_to         date,
    source_channel     text NOT NULL CONSTRAINT ck__needs__source_channel CHECK (source_channel IN (
                           'grid_worker', 'joint_talk', 'service_station', 'dual_report',
                           'suggestion_box', 'online', 'hotline_12345')),
    requester_name     text NOT NULL CONSTRAINT ck__needs__requester_name CHECK (length(requester_name) BETWEEN 1 AND 50),
    requester_phone    text NOT NULL CONSTRAINT ck__needs__requester_phone CHECK (requester_phone ~ '^[0-9+-]{5,20}$'),
    status             text NOT NULL DEFAULT 'pending' CONSTRAINT ck__needs__status CHECK (status IN (
                           'pending', 'accepted', 'rejected', 'merged', 'withdrawn')),
    status_reason      text,
    project_id         bigint CONSTRAINT fk__needs__project REFERENCES projects (id),
    created_by         text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    reviewed_at        timestamptz,
    CONSTRAINT uq__needs__number UNIQUE (number),
    CONSTRAINT fk__needs__category FOREIGN KEY (category_code, category_level) REFERENCES categories (code, level),
    CONSTRAINT fk__needs__community FOREIGN KEY (community_code, community_level) REFERENCES areas (code, level),
    CONSTRAINT fk__needs__grid FOREIGN KEY (grid_code, community_code) REFERENCES areas (code, parent_code),
    CONSTRAINT ck__needs__point CHECK ((lat IS NULL) = (lon IS NULL)),
    CONSTRAINT ck__needs__desired CHECK (desired_to IS NULL OR desired_from IS NULL OR desired_from <= desired_to),
    CONSTRAINT ck__needs__merged CHECK ((status = 'merged') = (project_id IS NOT NULL)),
    CONSTRAINT ck__needs__rejected CHECK (status <> 'rejected' OR status_reason IS NOT NULL)
);
CREATE INDEX needs_status ON needs (community_code, status, created_at DESC);
CREATE INDEX needs_project ON needs (project_id) WHERE project_id IS NOT NULL;

-- Who holds a project: claims (unit → project) and offers (community or optimiser → unit) ------
-- Status and owner are separate facts: the project's status says where the work is, this table
-- says which unit holds it. "Live" rows (pending or active) are the current owner; at most one
-- lead per project is live, enforced by the unique partial index below, not by application code.
CREATE TABLE assignments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id    bigint NOT NULL CONSTRAINT fk__assignments__project REFERENCES projects (id),
    unit_id       bigint NOT NULL CONSTRAINT fk__assignments__unit REFERENCES units (id),
    resource_id   bigint CONSTRAINT fk__assignments__resource REFERENCES resources (id),
    kind          text NOT NULL CONSTRAINT ck__assignments__kind CHECK (kind IN ('claim', 'directed', 'proposal')),
    role          text NOT NULL DEFAULT 'lead' CONSTRAINT ck__assignments__role CHECK (role IN ('lead', 'helper')),
    status        text NOT NULL DEFAULT 'pending' CONSTRAINT ck__assignments__status CHECK (status IN (
                      'pending', 'active', 'completed', 'declined', 'released', 'expired',
                      'withdrawn', 'returned', 'cancelled')),
    reason_code   text,
    note          text,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    answered_at   timestamptz,
    ended_at      timestamptz,
    CONSTRAINT ck__assignments__declined CHECK (status <> 'declined' OR reason_code IS NOT NULL)
);
CREATE UNIQUE INDEX uq__assignments__one_live_lead ON assignments (project_id)
    WHERE role = 'lead' AND status IN ('pending', 'active');
CREATE UNIQUE INDEX uq__assignments__one_live_per_unit ON assignments (project_id, unit_id)
    WHERE status IN ('pending', 'active');
CREATE INDEX assignments_unit_live ON assignments (unit_id) WHERE status IN ('pending', 'active');
CREATE INDEX assignments_pending_expiry ON assignments (expires_at) WHERE status = 'pending';

-- Execution -----------------------------------------------------------------------------------
CREATE TABLE progress_entries (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL CONSTRAINT fk__progress_entries__project REFERENCES projects (id),
    unit_id    bigint NOT NULL CONSTRAINT fk__progress_entries__unit REFERENCES units (id),
    body       text NOT NULL CONSTRAINT ck__progress_entries__body CHECK (length(body) BETWEEN 1 AND 2000),
    photo_url  text CONSTRAINT ck__progress_entries__photo_url CHECK (photo_url ~ '^https?://'),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX progress_entries_project ON progress_entries (project_id, created_at);

-- 结单: the resident's single-use link. Only a hash of the token is stored. --------------------
CREATE TABLE closing_tokens (
    project_id bigint PRIMARY KEY CONSTRAINT fk__closing_tokens__project REFERENCES projects (id),
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CONSTRAINT uq__closing_tokens__hash UNIQUE (token_hash)
);

CREATE TABLE ratings (
    project_id bigint PRIMARY KEY CONSTRAINT fk__ratings__project REFERENCES projects (id),
    unit_id    bigint NOT NULL CONSTRAINT fk__ratings__unit REFERENCES units (id),
    outcome    text NOT NULL CONSTRAINT ck__ratings__outcome CHECK (outcome IN ('solved', 'partly_solved', 'unsolved', 'no_longer_needed')),
    score      smallint NOT NULL CONSTRAINT ck__ratings__score CHECK (score BETWEEN 1 AND 5),
    comment    text NOT NULL DEFAULT '' CONSTRAINT ck__ratings__comment CHECK (length(comment) <= 1000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER ratings_append_only BEFORE UPDATE OR DELETE ON ratings
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- Unit credit: an append-only ledger; the score is a function of these rows alone. ------------
CREATE TABLE credit_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id    bigint NOT NULL CONSTRAINT fk__credit_events__unit REFERENCES units (id),
    project_id bigint CONSTRAINT fk__credit_events__project REFERENCES projects (id),
    kind       text NOT NULL CONSTRAINT ck__credit_events__kind CHECK (kind IN (
                   'answered_in_time', 'answered_late', 'offer_expired', 'declined_with_reason',
                   'finished', 'finished_on_time', 'finished_late', 'returned', 'rating', 'overdue')),
    value      smallint CONSTRAINT ck__credit_events__value CHECK (value BETWEEN 1 AND 5),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck__credit_events__rating CHECK ((kind = 'rating') = (value IS NOT NULL))
);
CREATE INDEX credit_events_unit ON credit_events (unit_id, created_at);
CREATE TRIGGER credit_events_append_only BEFORE UPDATE OR DELETE ON credit_events
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- History of every state change ---------------------------------------------------------------
CREATE TABLE history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity      text NOT NULL CONSTRAINT ck__history__entity CHECK (entity IN (
                    'need', 'resource', 'project', 'assignment', 'unit', 'category')),
    entity_id   text NOT NULL,
    from_status text,
    to_status   text NOT NULL,
    actor       text NOT NULL,
    reason_code text,
    note        text,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX history_entity ON history (entity, entity_id, id);
CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
