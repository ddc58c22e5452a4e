-- Live FX: the ECB euro reference rates every replica scores with (docs/mcr.md "FX").
--
-- One row per ECB fixing day, as the ECB publishes them: `rates` is `CUR:units-per-EUR` pairs
-- sorted by currency and comma-separated (`JPY:176.5,USD:1.1`). A refresh or `fx import`
-- validates a whole file first, then upserts its days in one transaction and bumps
-- `fx_meta.version` when anything changed; replicas reload when the version moves.
-- Seeded from the rates shipped in the binary when a day is missing.

CREATE TABLE fx_rates (
    day BIGINT PRIMARY KEY,
    rates TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE fx_meta (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

INSERT INTO fx_meta (id, version, updated_at) VALUES (1, 0, 0);
