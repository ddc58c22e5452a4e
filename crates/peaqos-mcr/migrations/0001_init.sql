-- One schema for SQLite and PostgreSQL: only BIGINT and TEXT columns, composite
-- primary keys, no autoincrement, no vendor types. Hashes, addresses and byte strings are
-- lowercase 0x-hex text; uint256 values are decimal text.
--
-- Every row that comes from a log carries its block_number, so a reorg rollback is one
-- `DELETE ... WHERE block_number > fork` per table. Mutable on-chain state (operator, status,
-- bond, admin flags, DID attributes, NFT owners) is kept as a journal of changes; the current
-- value is the latest row.

CREATE TABLE mcr_checkpoint (
    id BIGINT PRIMARY KEY,
    block_number BIGINT NOT NULL,
    block_hash TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE mcr_blocks (
    number BIGINT PRIMARY KEY,
    hash TEXT NOT NULL,
    timestamp BIGINT NOT NULL
);

CREATE TABLE machines (
    machine_id BIGINT PRIMARY KEY,
    wallet TEXT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index BIGINT NOT NULL
);
CREATE INDEX machines_wallet ON machines (wallet);
CREATE INDEX machines_block ON machines (block_number);

CREATE TABLE machine_updates (
    block_number BIGINT NOT NULL,
    log_index BIGINT NOT NULL,
    machine_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX machine_updates_machine ON machine_updates (machine_id, block_number, log_index);

CREATE TABLE events (
    machine_id BIGINT NOT NULL,
    event_index BIGINT NOT NULL,
    event_type BIGINT NOT NULL,
    value TEXT NOT NULL,
    currency TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    data_hash TEXT NOT NULL,
    trust_level BIGINT NOT NULL,
    source_chain_id TEXT NOT NULL,
    source_tx_hash TEXT NOT NULL,
    metadata TEXT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index BIGINT NOT NULL,
    tx_hash TEXT NOT NULL,
    block_timestamp BIGINT NOT NULL,
    PRIMARY KEY (machine_id, event_index)
);
CREATE INDEX events_block ON events (block_number);

CREATE TABLE nft_mints (
    token_id BIGINT PRIMARY KEY,
    machine_id BIGINT NOT NULL,
    recipient TEXT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index BIGINT NOT NULL
);
CREATE INDEX nft_mints_machine ON nft_mints (machine_id);
CREATE INDEX nft_mints_block ON nft_mints (block_number);

CREATE TABLE nft_transfers (
    block_number BIGINT NOT NULL,
    log_index BIGINT NOT NULL,
    token_id BIGINT NOT NULL,
    to_address TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX nft_transfers_token ON nft_transfers (token_id, block_number, log_index);

CREATE TABLE did_attributes (
    block_number BIGINT NOT NULL,
    log_index BIGINT NOT NULL,
    address TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX did_attributes_key ON did_attributes (address, name, block_number, log_index);
