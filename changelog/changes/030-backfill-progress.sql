--liquibase formatted sql

--changeset ehe:030-backfill-progress logicalFilePath:changelog/changes/030-backfill-progress.sql
--comment: The backfill's keyset cursor, one row per shard, committed in the same transaction as each batch so a restart resumes exactly where the last committed batch ended.
CREATE TABLE public.events_has_embedding_backfill (
    shard        text        PRIMARY KEY,
    range_start  bigint      NOT NULL,
    range_end    bigint,
    last_id      bigint      NOT NULL,
    done         boolean     NOT NULL DEFAULT false,
    rows_true    bigint      NOT NULL DEFAULT 0,
    rows_false   bigint      NOT NULL DEFAULT 0,
    batches      bigint      NOT NULL DEFAULT 0,
    started_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.events_has_embedding_backfill IS 'events-has-embedding: backfill progress per shard; range is (range_start, range_end], range_end NULL = unbounded';
--rollback DROP TABLE IF EXISTS public.events_has_embedding_backfill;
