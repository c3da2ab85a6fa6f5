--liquibase formatted sql

--changeset ehe:120-pending-bootstrap-progress labels:pending-table logicalFilePath:changelog/changes/120-pending-bootstrap-progress.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'pending-table' THEN 1 ELSE 0 END
--comment: The bootstrap's keyset cursor, one row per shard of a plan; the same shape and rules as the column design's progress table (030), so both walks share one progress store.
-- Its own table, not 030's: a database moving from one design to the other holds both, and the
-- column backfill being done says nothing about the bootstrap. rows_true counts events the
-- bootstrap added to the pending table, rows_false the events it walked that needed no row.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
CREATE TABLE ${ehe.module_schema}.event_embedding_pending_bootstrap (
    shard        text        PRIMARY KEY,
    -- squawk-ignore prefer-bigint-over-int -- at most 256 shards (Shard.MAX_SHARDS), the same shape as 030
    shard_index  integer,
    -- squawk-ignore prefer-bigint-over-int -- as above
    shard_count  integer     CHECK (shard_count > 0),
    range_start  bigint      NOT NULL,
    range_end    bigint,
    last_id      bigint      NOT NULL,
    walked       boolean     NOT NULL DEFAULT false,
    done         boolean     NOT NULL DEFAULT false,
    rows_scanned bigint      NOT NULL DEFAULT 0,
    rows_true    bigint      NOT NULL DEFAULT 0,
    rows_false   bigint      NOT NULL DEFAULT 0,
    batches      bigint      NOT NULL DEFAULT 0,
    started_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    UNIQUE (shard_count, shard_index),
    CHECK (shard_index >= 0 AND shard_index < shard_count),
    CHECK (range_end IS NULL OR range_end >= range_start),
    CHECK (last_id >= range_start)
);
-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above; a comment on the table created in this transaction is catalog-only
COMMENT ON TABLE ${ehe.module_schema}.event_embedding_pending_bootstrap IS 'events-has-embedding: pending-table bootstrap progress per shard; range is (range_start, range_end], range_end NULL = unbounded';
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout, ban-drop-table -- lock_timeout set by set_config() above; catalog-only; the table is this module's own and only the bootstrap uses it
--rollback DROP TABLE IF EXISTS ${ehe.module_schema}.event_embedding_pending_bootstrap;
