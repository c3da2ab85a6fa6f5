--liquibase formatted sql

--changeset ehe:100-pending-table labels:pending-table logicalFilePath:changelog/changes/100-pending-table.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'pending-table' THEN 1 ELSE 0 END
--comment: The pending-table design: one row per event that still needs an embedding. Kept exact by the triggers of 110 and filled for older events by the bootstrap; events itself is never written.
-- A queue table: about 25k live rows at a time, each inserted once and deleted once, so most of
-- what it holds over a day is dead tuples. Autovacuum's default trigger (20% of the table + 50)
-- scales with the live rows and would let dead tuples and an unset visibility map pile up between
-- runs, and the scheduler's per-organization count is an index-only scan that needs that map.
-- Fixed thresholds (scale factor 0) make vacuum run after every ~1,000 deletes or inserts
-- whatever the size, and cost_delay 0 lets a run over this small table finish at once.
-- No foreign key to events: deleting an event removes its row through a trigger instead (110),
-- because a foreign key would add a key-share lock and an index probe of events to every insert of
-- a pending row, and creating it would lock events (SHARE ROW EXCLUSIVE) for the validation.
-- Creating an empty table and its index locks nothing the application uses.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
CREATE TABLE ${ehe.module_schema}.event_embedding_pending (
    event_id        bigint PRIMARY KEY,
    organization_id text   NOT NULL
) WITH (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0
);
-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above (squawk does not read it); the table was created empty in this transaction, so the build is instant
CREATE INDEX event_embedding_pending_org_idx ON ${ehe.module_schema}.event_embedding_pending (organization_id, event_id);
COMMENT ON TABLE ${ehe.module_schema}.event_embedding_pending IS 'events-has-embedding: events with a non-empty payload_text and no event_embeddings row (exact at every commit; kept by triggers)';
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout, ban-drop-table -- lock_timeout set by set_config() above; catalog-only; the table is this module's own and only the scheduler reads it (switch the app back first)
--rollback DROP TABLE IF EXISTS ${ehe.module_schema}.event_embedding_pending;
