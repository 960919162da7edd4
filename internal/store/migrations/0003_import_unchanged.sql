-- Import jobs also count the rows of known members that held nothing new.

ALTER TABLE import_jobs ADD COLUMN unchanged BIGINT NOT NULL DEFAULT 0;
