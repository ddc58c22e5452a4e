-- Fewer rows per uncached score: one row per (machine, UTC month with an event) packing that
-- month's per-day summaries (`month` is the month's first day, days since 1970-01-01; `days`
-- the compact text of `peaqos_mcr::month_summaries::encode`). A month row keeps every day
-- (the model needs the active days and each qualifying day's revenue, which no monthly sum
-- keeps). It is rebuilt from the month's `mcr_day_summaries` rows in the same transaction
-- whenever one of them changes. `last_block_timestamp` and `fx_last_day` are -1 when none.
-- `mcr_month_summaries_meta.built` is 0 until the service has built the rows of an existing
-- database at start (docs/mcr.md).

CREATE TABLE mcr_month_summaries (
    machine_id BIGINT NOT NULL,
    month BIGINT NOT NULL,
    last_block_timestamp BIGINT NOT NULL,
    fx_last_day BIGINT NOT NULL,
    days TEXT NOT NULL,
    PRIMARY KEY (machine_id, month)
);

CREATE TABLE mcr_month_summaries_meta (
    id BIGINT PRIMARY KEY,
    built BIGINT NOT NULL
);
INSERT INTO mcr_month_summaries_meta (id, built) VALUES (1, 0);
