-- Customer analyses run on the store's own sales.
--
-- analysis_runs keeps the history of runs: the model and its version, when
-- it ran, how many members it scored and, in detail (JSON), the fitted
-- parameters, the reasons a model was skipped and summary counts.
-- member_scores holds the latest scores of each member and is replaced as a
-- whole by every successful run; run_id says which run wrote a row. It has
-- no foreign key to members so that erasing a member is not held up by a
-- score (the erasure removes the row itself or the next run drops it).
-- Money is in fen; p_alive and expected_90d are probabilities and
-- expected counts, kept as double precision floats.

CREATE TABLE analysis_runs (
    id          {{ID}},
    model       TEXT NOT NULL,
    version     TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    status      TEXT NOT NULL DEFAULT 'running', -- running, done, failed
    members     BIGINT NOT NULL DEFAULT 0,
    detail      TEXT NOT NULL DEFAULT '{}',
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX analysis_runs_model ON analysis_runs(model, id);

CREATE TABLE member_scores (
    member_id    BIGINT PRIMARY KEY,
    run_id       BIGINT NOT NULL,
    model        TEXT NOT NULL,
    version      TEXT NOT NULL,
    fitted_at    BIGINT NOT NULL,
    rfm_r        INTEGER NOT NULL,
    rfm_f        INTEGER NOT NULL,
    rfm_m        INTEGER NOT NULL,
    segment      TEXT NOT NULL,
    value_class  TEXT NOT NULL,
    recency_days INTEGER NOT NULL,
    frequency    INTEGER NOT NULL,
    monetary_fen BIGINT NOT NULL,
    p_alive      DOUBLE PRECISION, -- NULL: the purchase model was not fitted
    expected_90d DOUBLE PRECISION,
    clv_fen      BIGINT,
    cluster      INTEGER          -- NULL: too few members to cluster
);
CREATE INDEX member_scores_segment ON member_scores(segment);
