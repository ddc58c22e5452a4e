-- Constant-time scoring: one row per (machine, UTC day with an event) holding what the model
-- needs of that day's events (`peaqos_mcr_model::DaySummary` as JSON: counts, USD cents with
-- each event rounded on its own, distinct events per trust class, first/last timestamps).
-- The indexer rewrites a day's row in the same transaction as the day's events (apply and
-- rollback); an FX write rewrites the rows whose rates changed in the same transaction as the
-- rates. `mcr_day_summaries_meta.fx_max_staleness_days` is the staleness limit the rows were
-- computed with; -1 means "not built yet": the service builds them at start (docs/mcr.md).

CREATE TABLE mcr_day_summaries (
    machine_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    fx_dependent BIGINT NOT NULL,
    last_block_timestamp BIGINT NOT NULL,
    summary TEXT NOT NULL,
    PRIMARY KEY (machine_id, day)
);
CREATE INDEX mcr_day_summaries_day ON mcr_day_summaries (day, fx_dependent);

CREATE TABLE mcr_day_summaries_meta (
    id BIGINT PRIMARY KEY,
    fx_max_staleness_days BIGINT NOT NULL
);
INSERT INTO mcr_day_summaries_meta (id, fx_max_staleness_days) VALUES (1, -1);

-- A day's events of one machine, without scanning its whole history.
CREATE INDEX events_machine_time ON events (machine_id, timestamp);
