-- Member lists page newest first (ORDER BY id DESC) within a status and
-- optionally a store. Without an index ending in id, SQLite picked the
-- (status, last_active_at) index and sorted every active member for each
-- page: an export of 100,000 members took minutes.
DROP INDEX members_store;
CREATE INDEX members_status_id ON members(status, id);
CREATE INDEX members_store_status_id ON members(store_id, status, id);
