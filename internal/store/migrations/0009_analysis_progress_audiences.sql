-- Progress of analysis runs, and audiences.
--
-- A run records how far it got (phase, done of total) and when it last
-- said so (progress_at): a run whose progress_at is older than the
-- analysis package's StaleAfter was left behind by a stopped process and no
-- longer blocks a new run. started_by names the staff member who started
-- it from the console or the API ('' for the nightly job and the command
-- line). At most one run of a model is running at a time; the partial
-- unique index makes a second start fail even across processes.

ALTER TABLE analysis_runs ADD COLUMN phase TEXT NOT NULL DEFAULT '';
ALTER TABLE analysis_runs ADD COLUMN done BIGINT NOT NULL DEFAULT 0;
ALTER TABLE analysis_runs ADD COLUMN total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE analysis_runs ADD COLUMN progress_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE analysis_runs ADD COLUMN started_by TEXT NOT NULL DEFAULT '';
UPDATE analysis_runs SET progress_at = started_at;
-- Runs recorded as running before progress was kept cannot be told from
-- runs left behind; none is running while the schema changes.
UPDATE analysis_runs SET status = 'failed', error = 'interrupted', finished_at = started_at WHERE status = 'running';
CREATE UNIQUE INDEX analysis_runs_one_running ON analysis_runs(model) WHERE status = 'running';

-- An audience is a saved list of members for a campaign: how it was chosen
-- (source and criteria, JSON, with the analysis run it was chosen from),
-- how many members it holds, who made it and for which store (NULL: the
-- whole chain). audience_members lists them; erasing a member removes it,
-- merging moves it to the surviving member.
CREATE TABLE audiences (
    id           {{ID}},
    name         TEXT NOT NULL,
    source       TEXT NOT NULL,
    criteria     TEXT NOT NULL DEFAULT '{}',
    member_count BIGINT NOT NULL DEFAULT 0,
    store_id     BIGINT REFERENCES stores(id),
    created_by   TEXT NOT NULL,
    staff_id     BIGINT REFERENCES staff(id),
    created_at   BIGINT NOT NULL
);
CREATE INDEX audiences_store ON audiences(store_id, id);

CREATE TABLE audience_members (
    audience_id BIGINT NOT NULL REFERENCES audiences(id) ON DELETE CASCADE,
    member_id   BIGINT NOT NULL REFERENCES members(id),
    PRIMARY KEY (audience_id, member_id)
);
CREATE INDEX audience_members_member ON audience_members(member_id);
