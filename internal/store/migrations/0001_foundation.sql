-- Foundation: stores, staff, sessions, API keys, members, tags, consent,
-- audit log, import jobs, settings.
--
-- One schema for SQLite and PostgreSQL. Three placeholders are replaced per
-- dialect before running: {{ID}} (auto primary key), {{BLOB}} (bytes) and
-- nothing else. Times are BIGINT milliseconds since the Unix epoch, UTC.
-- Personal fields end in _enc (AES-GCM) or _hash (keyed HMAC) and never hold
-- plaintext.

CREATE TABLE stores (
    id          {{ID}},
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    address     TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE staff (
    id            {{ID}},
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    store_id      BIGINT REFERENCES stores(id),
    lang          TEXT NOT NULL DEFAULT 'zh-CN',
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash  {{BLOB}} PRIMARY KEY,
    staff_id    BIGINT NOT NULL REFERENCES staff(id),
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_staff ON sessions(staff_id);

CREATE TABLE api_keys (
    id           {{ID}},
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     {{BLOB}} NOT NULL UNIQUE,
    store_id     BIGINT NOT NULL REFERENCES stores(id),
    terminal     TEXT NOT NULL DEFAULT '',
    created_by   BIGINT REFERENCES staff(id),
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    last_used_at BIGINT
);

CREATE TABLE members (
    id             {{ID}},
    card_no        TEXT NOT NULL UNIQUE,
    phone_hash     {{BLOB}},
    phone_enc      {{BLOB}},
    name_hash      {{BLOB}},
    name_enc       {{BLOB}},
    birthday_enc   {{BLOB}},
    identity_hash  {{BLOB}},          -- HMAC of name + birthday, for duplicate candidates
    address_enc    {{BLOB}},
    gender         TEXT NOT NULL DEFAULT '',
    birth_year     INTEGER,           -- kept plain for age bands; day and month stay sealed
    area           TEXT NOT NULL DEFAULT '',
    occupation     TEXT NOT NULL DEFAULT '',
    preferences    TEXT NOT NULL DEFAULT '',
    channel        TEXT NOT NULL DEFAULT '',
    referrer_id    BIGINT REFERENCES members(id),
    store_id       BIGINT REFERENCES stores(id),
    status         TEXT NOT NULL DEFAULT 'active',
    merged_into    BIGINT REFERENCES members(id),
    created_by     BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    last_active_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX members_phone ON members(phone_hash) WHERE phone_hash IS NOT NULL;
CREATE INDEX members_name ON members(name_hash);
CREATE INDEX members_identity ON members(identity_hash);
CREATE INDEX members_store ON members(store_id, id);
CREATE INDEX members_status_active ON members(status, last_active_at);

CREATE TABLE member_tags (
    member_id   BIGINT NOT NULL REFERENCES members(id),
    tag         TEXT NOT NULL,
    created_by  BIGINT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (member_id, tag)
);
CREATE INDEX member_tags_tag ON member_tags(tag);

CREATE TABLE member_consents (
    member_id   BIGINT NOT NULL REFERENCES members(id),
    channel     TEXT NOT NULL,            -- sms, wechat, email, app
    granted     BOOLEAN NOT NULL,
    source      TEXT NOT NULL DEFAULT '', -- counter, mobile, import, api
    changed_at  BIGINT NOT NULL,
    PRIMARY KEY (member_id, channel)
);

CREATE TABLE audit_log (
    id          {{ID}},
    at          BIGINT NOT NULL,
    staff_id    BIGINT,
    api_key_id  BIGINT,
    actor       TEXT NOT NULL DEFAULT '',  -- username, key name or "system"
    action      TEXT NOT NULL,             -- member.create, member.unmask, …
    entity      TEXT NOT NULL DEFAULT '',
    entity_id   BIGINT,
    store_id    BIGINT,
    detail      TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_at ON audit_log(at);

CREATE TABLE import_jobs (
    id           {{ID}},
    kind         TEXT NOT NULL,
    file_name    TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,      -- running, done, failed
    total_rows   BIGINT NOT NULL DEFAULT 0,
    done_rows    BIGINT NOT NULL DEFAULT 0,
    inserted     BIGINT NOT NULL DEFAULT 0,
    updated      BIGINT NOT NULL DEFAULT 0,
    error_rows   BIGINT NOT NULL DEFAULT 0,
    message      TEXT NOT NULL DEFAULT '',
    report       TEXT NOT NULL DEFAULT '',
    staff_id     BIGINT,
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
