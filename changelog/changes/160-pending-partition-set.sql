--liquibase formatted sql

--changeset ehe:160-pending-partition-set splitStatements:false rollbackSplitStatements:false labels:pending-table logicalFilePath:changelog/changes/160-pending-partition-set.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'pending-table' THEN 1 ELSE 0 END
--comment: The partition set of events and event_embeddings as of the last check. ATTACH, DETACH and DROP of a partition fire no trigger, so the pending table cannot follow them by itself: status compares the current set with this one and is not ready while they differ; the runner's `partitions sync` fixes the rows of the partitions that changed and records the new set.
-- A partition is identified by its relation and by the catalog row that makes it a partition
-- (pg_inherits' xmin, which a DETACH deletes and an ATTACH inserts anew): a partition detached and
-- attached again between two checks, same name and bounds, is still a change. Every partition of
-- the tree is recorded, not only the leaves: re-attaching a sub-partitioned partition changes the
-- intermediate's row. A partition whose DETACH ... CONCURRENTLY has not finished counts as gone
-- (new snapshots no longer see its rows). Unpartitioned tables have no partitions: the set is empty.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
CREATE TABLE ${ehe.module_schema}.event_embedding_pending_partitions (
    relid        oid         PRIMARY KEY,
    parent_table text        NOT NULL CHECK (parent_table IN ('events', 'event_embeddings')),
    partition    text        NOT NULL,
    inherits_xid text        NOT NULL,
    bound        text        NOT NULL,
    is_leaf      boolean     NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above; a comment on a table created in this transaction is catalog-only
COMMENT ON TABLE ${ehe.module_schema}.event_embedding_pending_partitions IS 'events-has-embedding: the partitions of events and event_embeddings as of the last partitions sync (status compares)';

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_partitions_now()
RETURNS TABLE (relid oid, parent_table text, partition text, inherits_xid text, bound text, is_leaf boolean)
LANGUAGE sql STABLE AS $fn$
SELECT l.relid, t.name, l.relid::regclass::text, i.xmin::text, pg_get_expr(c.relpartbound, c.oid), l.isleaf
  FROM (VALUES ('events'), ('event_embeddings')) t(name)
 CROSS JOIN LATERAL pg_partition_tree(('${ehe.schema}.' || t.name)::regclass) l
  JOIN pg_class c ON c.oid = l.relid
  JOIN pg_inherits i ON i.inhrelid = l.relid
 WHERE l.level > 0
   AND NOT EXISTS (SELECT 1 FROM pg_partition_ancestors(l.relid) a
                     JOIN pg_inherits d ON d.inhrelid = a.relid AND d.inhdetachpending)
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_record_partitions() RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    n integer;
BEGIN
    DELETE FROM ${ehe.module_schema}.event_embedding_pending_partitions;
    INSERT INTO ${ehe.module_schema}.event_embedding_pending_partitions (relid, parent_table, partition, inherits_xid, bound, is_leaf)
    SELECT * FROM ${ehe.module_schema}.ehe_pending_partitions_now();
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;

-- The set at install: the triggers of 140 and 150 cover every partition that exists now.
SELECT ${ehe.module_schema}.ehe_pending_record_partitions();
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; dropping functions is catalog-only
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_record_partitions();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_partitions_now();
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout, ban-drop-table -- lock_timeout set by set_config() above; catalog-only; the module's own small table, read only by status and partitions sync
--rollback DROP TABLE IF EXISTS ${ehe.module_schema}.event_embedding_pending_partitions;
