-- Issue 13 hardening. One schema for SQLite and PostgreSQL.

-- Enrollments made with a proof of control of the owner address (an EIP-191 signature), and
-- the `signedAt` of that proof (a later proof must be newer).
ALTER TABLE enrollments ADD COLUMN proven BIGINT NOT NULL DEFAULT 0;
ALTER TABLE enrollments ADD COLUMN proof_signed_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX enrollments_pending ON enrollments (active, created_ms);

-- QR images are rendered on request from the enrollment's secret: no image is stored any more
-- (`image` stays, empty). `label` is the owner as the setup sent it (the otpauth account).
ALTER TABLE qr_tokens ADD COLUMN label TEXT NOT NULL DEFAULT '';
UPDATE qr_tokens SET image = '';
CREATE INDEX qr_tokens_owner ON qr_tokens (owner);

-- Invalid codes per client IP (IPv6 per /64) per fixed window of the lockout duration.
CREATE TABLE ip_failures (
    ip           TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    failures     BIGINT NOT NULL,
    PRIMARY KEY (ip, window_start)
);

-- IPs that gave a valid code for an owner, and when last: they are not held by that owner's
-- lock.
CREATE TABLE owner_ips (
    owner      TEXT NOT NULL,
    ip         TEXT NOT NULL,
    last_ok_ms BIGINT NOT NULL,
    PRIMARY KEY (owner, ip)
);
