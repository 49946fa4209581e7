-- Accounts of the people and jobs that use the API, their bearer tokens, rate-limit events and
-- idempotency keys. Residents have no account: they use the public form and the closing link.

-- One row per person or job. The scope columns say where an account may act; which of them is
-- set follows from the role (ck__accounts__scope). A street_admin without a street is the
-- alliance's own administrator and sees the whole county.
CREATE TABLE accounts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        text NOT NULL CONSTRAINT ck__accounts__username CHECK (username ~ '^[a-z0-9][a-z0-9_.-]{2,63}$'),
    display_name    text NOT NULL DEFAULT '' CONSTRAINT ck__accounts__display_name CHECK (length(display_name) <= 50),
    password_hash   text NOT NULL CONSTRAINT ck__accounts__password_hash CHECK (password_hash LIKE '$argon2id$%'),
    role            text NOT NULL CONSTRAINT ck__accounts__role CHECK (role IN (
                        'grid_worker', 'secretary', 'street_admin', 'unit', 'batch')),
    community_code  text,
    community_level text NOT NULL GENERATED ALWAYS AS ('community') STORED,
    grid_code       text,
    street_code     text,
    street_level    text NOT NULL GENERATED ALWAYS AS ('street') STORED,
    unit_id         bigint CONSTRAINT fk__accounts__unit REFERENCES units (id),
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq__accounts__username UNIQUE (username),
    CONSTRAINT fk__accounts__community FOREIGN KEY (community_code, community_level) REFERENCES areas (code, level),
    CONSTRAINT fk__accounts__grid FOREIGN KEY (grid_code, community_code) REFERENCES areas (code, parent_code),
    CONSTRAINT fk__accounts__street FOREIGN KEY (street_code, street_level) REFERENCES areas (code, level),
    CONSTRAINT ck__accounts__scope CHECK (CASE role
        WHEN 'secretary' THEN community_code IS NOT NULL AND grid_code IS NULL AND street_code IS NULL AND unit_id IS NULL
        WHEN 'grid_worker' THEN community_code IS NOT NULL AND grid_code IS NOT NULL AND street_code IS NULL AND unit_id IS NULL
        WHEN 'street_admin' THEN community_code IS NULL AND grid_code IS NULL AND unit_id IS NULL
        WHEN 'unit' THEN unit_id IS NOT NULL AND community_code IS NULL AND grid_code IS NULL AND street_code IS NULL
        ELSE community_code IS NULL AND grid_code IS NULL AND street_code IS NULL AND unit_id IS NULL
    END)
);

-- Opaque bearer tokens: only their sha256 is kept, so a leaked table does not log anyone in.
CREATE TABLE api_tokens (
    token_hash  bytea PRIMARY KEY,
    account_id  bigint NOT NULL CONSTRAINT fk__api_tokens__account REFERENCES accounts (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX api_tokens_account ON api_tokens (account_id) WHERE revoked_at IS NULL;

-- Events counted for rate limits: failed logins per account and per address, public form posts
-- per address. Old rows are only ever read through a time window and can be pruned freely.
CREATE TABLE rate_events (
    bucket text NOT NULL,
    key    text NOT NULL,
    at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_events_lookup ON rate_events (bucket, key, at);

-- A creating POST sent twice with the same Idempotency-Key gets the first answer again.
CREATE TABLE idempotency_keys (
    owner        text NOT NULL,
    key          text NOT NULL CONSTRAINT ck__idempotency_keys__key CHECK (length(key) BETWEEN 1 AND 200),
    request_hash bytea NOT NULL,
    status       smallint NOT NULL,
    body         jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (owner, key)
);

-- Messages waiting to be delivered (SMS). The resident's closing link goes here, to the phone
-- of each requester, and never to the unit that reported completion: it must not rate itself.
CREATE TABLE outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel    text NOT NULL CONSTRAINT ck__outbox__channel CHECK (channel IN ('sms')),
    recipient  text NOT NULL,
    project_id bigint CONSTRAINT fk__outbox__project REFERENCES projects (id),
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
