-- Constant-time scoring, one row per machine: `summary` is the model's `MachineSummary`
-- (sums that merge exactly, the active days, the qualifying revenue days with their cents),
-- what an uncached score reads; `days` is every per-day summary of the machine with the
-- latest block time of its events, what a write patches before it re-derives `summary`
-- (both binary, `peaqos_mcr::machine_summaries`). The indexer rewrites the row in the same
-- transaction as the machine's events (apply and rollback); an FX write rewrites the rows
-- whose rates changed in the same transaction as the rates. `last_block_timestamp` and
-- `fx_last_day` are -1 when none. `mcr_machine_summaries_meta.fx_max_staleness_days` is the
-- staleness limit the rows were computed with; -1 means "not built yet": the service builds
-- them from the events at start (docs/mcr.md).
--
-- The per-day and per-month rows of migrations 0005 and 0006 are replaced: this row holds
-- the same per-day summaries, and a score reads one row instead of one per active day or
-- month.

CREATE TABLE mcr_machine_summaries (
    machine_id BIGINT PRIMARY KEY,
    last_block_timestamp BIGINT NOT NULL,
    fx_last_day BIGINT NOT NULL,
    summary BYTEA NOT NULL,
    days BYTEA NOT NULL
);
-- The machines an FX change from a given day may change.
CREATE INDEX mcr_machine_summaries_fx ON mcr_machine_summaries (fx_last_day);

CREATE TABLE mcr_machine_summaries_meta (
    id BIGINT PRIMARY KEY,
    fx_max_staleness_days BIGINT NOT NULL
);
INSERT INTO mcr_machine_summaries_meta (id, fx_max_staleness_days) VALUES (1, -1);

DROP TABLE IF EXISTS mcr_month_summaries;
DROP TABLE IF EXISTS mcr_month_summaries_meta;
DROP TABLE IF EXISTS mcr_day_summaries;
DROP TABLE IF EXISTS mcr_day_summaries_meta;
