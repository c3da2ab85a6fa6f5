--liquibase formatted sql

-- squawk lints this file in `make test` (settings in .squawk.toml). Its ignores stand here, above
-- the changeSet, because Liquibase checksums every line of a changeSet's body, comments included: an
-- added ignore would fail validation on every database that already ran it. Each one covers
-- this file's single changeSet only; a new changeSet goes in a new file, with its ignores at their lines.
-- squawk-ignore-file require-lock-timeout, require-statement-timeout -- COMMENT ON the table this changeSet's transaction has just created
-- squawk-ignore-file prefer-bigint-over-int -- shard_index and shard_count number shards, at most Shard.MAX_SHARDS (256)

--changeset ehe:030-backfill-progress labels:column logicalFilePath:changelog/changes/030-backfill-progress.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'column' THEN 1 ELSE 0 END
--comment: The backfill's keyset cursor, one row per shard of a plan, committed in the same transaction as each batch so a restart resumes exactly where the last committed batch ended.
-- shard is 'I/N' (shard I of N, I from 0): the key, and what `status` shows. shard_index and
-- shard_count are the same split into numbers (the backfill always fills them; they may be NULL in
-- rows written by hand). A plan is identified by its shard count: the first process of a plan
-- writes the rows of all its shards at once (under a table lock), so every shard of an N-way run
-- agrees on the ranges whenever and in whatever order the N processes start or restart.
-- Shard k covers the ids in (range_start, range_end]; shard 0 starts at the smallest bigint
-- (unbounded below); range_end NULL means unbounded above (the last shard also walks the ids the
-- application allocates while the backfill runs).
-- last_id only moves forward and only inside the transaction that wrote the batch, so it is never
-- ahead of the data. walked: the keyset walk reached the end of the range (a restart goes straight
-- to the final sweep). done: the final sweep found no NULL left in the range.
CREATE TABLE ${ehe.module_schema}.events_has_embedding_backfill (
    shard        text        PRIMARY KEY,
    shard_index  integer,
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
COMMENT ON TABLE ${ehe.module_schema}.events_has_embedding_backfill IS 'events-has-embedding: backfill progress per shard; range is (range_start, range_end], range_end NULL = unbounded';
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout, ban-drop-table -- lock_timeout set by set_config() above; catalog-only; the table is this module's own and only the backfill uses it
--rollback DROP TABLE IF EXISTS ${ehe.module_schema}.events_has_embedding_backfill;
