-- Idempotency keys: a write sent again with the same Idempotency-Key header
-- returns the first answer instead of being done twice. One row per actor
-- and key; status 0 while the first request is still running. The stored
-- response is sealed (it may hold personal data).

CREATE TABLE idempotency_keys (
    id           {{ID}},
    actor        TEXT NOT NULL,           -- staff:<id> or key:<id>
    idem_key     TEXT NOT NULL,
    request      TEXT NOT NULL,           -- method and path
    request_hash {{BLOB}} NOT NULL,       -- SHA-256 of method, path, query and body
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    response     {{BLOB}},
    created_at   BIGINT NOT NULL,
    UNIQUE (actor, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
