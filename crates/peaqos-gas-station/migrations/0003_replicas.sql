-- Issue 17: several Gas Station processes on one PostgreSQL database. One schema for SQLite
-- and PostgreSQL.

-- The claim that holds a request: a random token per handler, so a handler whose claim was
-- taken as stale (and released, maybe claimed again by another process) can neither persist a
-- transfer nor release the new claim.
ALTER TABLE requests ADD COLUMN claim_token TEXT NOT NULL DEFAULT '';

-- The 2FA setup limits (per client IP key and global), counted in the database so every
-- process shares them: fixed windows of GAS_STATION_SETUP_WINDOW_SECS. `scope` is `*` for the
-- global count, `ip|<key>` per client.
CREATE TABLE setup_windows (
    scope        TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (scope, window_start)
);
