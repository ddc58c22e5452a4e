-- One schema for SQLite and PostgreSQL: BIGINT, TEXT, portable upserts only.
-- Amounts are gwei (BIGINT); times are unix milliseconds.

-- 2FA enrollments; `secret` is sealed with the server key.
CREATE TABLE enrollments (
    owner           TEXT PRIMARY KEY,
    secret          TEXT NOT NULL,
    active          BIGINT NOT NULL DEFAULT 0,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until_ms BIGINT NOT NULL DEFAULT 0,
    created_ms      BIGINT NOT NULL,
    activated_ms    BIGINT
);

-- Every accepted TOTP code, per action: a code is accepted at most once per scope.
CREATE TABLE totp_uses (
    owner   TEXT NOT NULL,
    step    BIGINT NOT NULL,
    scope   TEXT NOT NULL,
    used_ms BIGINT NOT NULL,
    PRIMARY KEY (owner, step, scope)
);

-- Short-lived QR images; `image` is sealed with the server key.
CREATE TABLE qr_tokens (
    token      TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    format     TEXT NOT NULL,
    image      TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);

-- Fund requests by idempotency key: pending (claimed) -> signed (transfer persisted before it
-- is broadcast: the nonce in flight) -> done (result kept). Failed requests are deleted.
CREATE TABLE requests (
    request_id    TEXT PRIMARY KEY,
    owner         TEXT NOT NULL,
    target        TEXT NOT NULL,
    chain         TEXT NOT NULL,
    state         TEXT NOT NULL,
    day           BIGINT NOT NULL DEFAULT 0,
    reserved_gwei BIGINT NOT NULL DEFAULT 0,
    funder        TEXT,
    nonce         BIGINT,
    tx_hash       TEXT,
    raw_tx        TEXT,
    result        TEXT,
    created_ms    BIGINT NOT NULL,
    updated_ms    BIGINT NOT NULL
);
CREATE INDEX requests_state ON requests (state, chain);

-- Fixed-window rate limit counters per owner.
CREATE TABLE rate_windows (
    owner        TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (owner, window_start)
);

-- Daily caps ledger: funded (or reserved) gwei per scope (owner or wallet, per chain) per UTC day.
CREATE TABLE cap_ledger (
    scope       TEXT NOT NULL,
    day         BIGINT NOT NULL,
    funded_gwei BIGINT NOT NULL,
    PRIMARY KEY (scope, day)
);
