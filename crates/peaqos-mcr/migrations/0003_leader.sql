-- Issue 17: the indexer's leadership when several processes share one PostgreSQL database.
-- One row. `epoch` grows by one each time an indexer becomes the leader (under the advisory
-- lock); every write transaction of the indexer updates this row WHERE epoch = its own, so a
-- deposed leader can never commit, and `data_version` tells the other replicas that the data
-- changed (their caches start again).
CREATE TABLE mcr_indexer_leader (
    id           BIGINT PRIMARY KEY,
    epoch        BIGINT NOT NULL,
    holder       TEXT NOT NULL,
    since_ms     BIGINT NOT NULL,
    data_version BIGINT NOT NULL
);
INSERT INTO mcr_indexer_leader (id, epoch, holder, since_ms, data_version) VALUES (1, 0, '', 0, 0);
