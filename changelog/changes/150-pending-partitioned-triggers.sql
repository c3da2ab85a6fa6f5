--liquibase formatted sql

--changeset ehe:150-pending-partitioned-triggers splitStatements:false rollbackSplitStatements:false labels:pending-table logicalFilePath:changelog/changes/150-pending-partitioned-triggers.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'pending-table' THEN 1 ELSE 0 END
--comment: The pending table stays exact on a declaratively partitioned events or event_embeddings (issue 18): deletes naming a partition, rows moving between partitions, TRUNCATE of one partition. On unpartitioned tables nothing changes but the event insert trigger's function, whose extra branch never runs there.
--
-- What PostgreSQL does on a partitioned table, and the answer to each (140's argument stays whole):
-- 1. Row-level triggers on the parent are cloned to every partition, present and future, so every
--    row trigger of 140 fires whether a write names the parent or a partition. Statement-level
--    triggers are not cloned: they fire only when the statement names the parent. 140's event delete
--    trigger is statement-level (one pass over the deleted ids), so a DELETE naming a partition
--    went unseen. On a partitioned events ehe_pending_partition_setup() replaces it by a row-level
--    trigger of the same name: it takes the event key exclusive (as 140's did, for one event) and
--    deletes the event's rows; PostgreSQL clones it to every partition.
-- 2. An UPDATE that moves a row to another partition runs as a DELETE on the old leaf and an INSERT
--    on the new one: the row-level AFTER DELETE and AFTER INSERT triggers fire, AFTER UPDATE does not.
--    So the delete trigger removes the event's rows under its exclusive event key, and the insert
--    trigger must not assume the row is new (it may have embeddings). The row-level delete trigger
--    marks the transaction (setting ehe.pending_event_deleted, local to it); the insert trigger then
--    takes the slow path, which is 140's event-update path for a row that became live: event key
--    (already held), every target key in key order, then, in a new statement, a row per target
--    that no counting embedding row covers. A transaction that never deleted an event (every insert
--    of a new event, and everything on an unpartitioned events) keeps 140's lock-free insert.
--    Queued AFTER ROW events fire in the order the rows were processed, delete before insert, so
--    the mark is set before the moved row's insert trigger runs.
-- 3. TRUNCATE of one partition fires the statement triggers of that partition only. Each leaf gets
--    its own AFTER TRUNCATE trigger (ehe_pending_partition_setup(), run here and by the runner's
--    `partitions sync` for partitions created later; status names a leaf without it):
--    events leaf: the rows whose event no longer exists are deleted (it removes only rows of events
--    that are gone in its snapshot; a concurrent writer's own rows are its own triggers' business).
--    event_embeddings leaf: the pairs of live events that no counting row covers any more are added
--    (the same statement as 140's for a TRUNCATE of the whole table, with the check for the rows
--    the other leaves still hold).
-- 4. ATTACH, DETACH and DROP of a partition fire no trigger at all: changeSet 160 records the
--    partition set and status stops saying ready when it changes; `partitions sync` fixes the rows
--    of exactly the partitions that changed and records the new set.
-- The runbook is in docs/partitioning.md. Nothing here writes events or event_embeddings.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);

-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above (squawk does not read it); functions are catalog-only
CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_insert() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF coalesce(current_setting('ehe.pending_event_deleted', true), '') <> 'on' THEN
        INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, model, organization_id, created_at)
        SELECT NEW.id, t.model, NEW.organization_id, ${ehe.module_schema}.ehe_pending_event_created(NEW)
          FROM ${ehe.module_schema}.event_embedding_pending_targets t
         WHERE t.state <> 'removing'
        ON CONFLICT (event_id, model) DO NOTHING;
        RETURN NULL;
    END IF;
    PERFORM ${ehe.module_schema}.ehe_pending_lock(1701340465, ${ehe.module_schema}.ehe_pending_event_key(NEW.id), false);
    PERFORM ${ehe.module_schema}.ehe_pending_lock(1701340466, k.key, false)
       FROM (SELECT ${ehe.module_schema}.ehe_pending_target_key(NEW.id, t.model) AS key
               FROM ${ehe.module_schema}.event_embedding_pending_targets t
              WHERE t.state <> 'removing'
              ORDER BY 1) k;
    INSERT INTO ${ehe.module_schema}.event_embedding_pending AS p (event_id, model, organization_id, created_at)
    SELECT NEW.id, t.model, NEW.organization_id, ${ehe.module_schema}.ehe_pending_event_created(NEW)
      FROM ${ehe.module_schema}.event_embedding_pending_targets t
     WHERE t.state <> 'removing'
       AND NOT EXISTS (SELECT 1 FROM ${ehe.schema}.event_embeddings x
                        WHERE x.event_id = NEW.id AND ${ehe.module_schema}.ehe_pending_counted_model(x) = t.model)
    ON CONFLICT (event_id, model) DO UPDATE
       SET organization_id = EXCLUDED.organization_id, created_at = EXCLUDED.created_at
     WHERE (p.organization_id, p.created_at) IS DISTINCT FROM (EXCLUDED.organization_id, EXCLUDED.created_at);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_delete_row() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM ${ehe.module_schema}.ehe_pending_lock(1701340465, ${ehe.module_schema}.ehe_pending_event_key(OLD.id), false);
    PERFORM set_config('ehe.pending_event_deleted', 'on', true);
    DELETE FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.event_id = OLD.id;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_leaf_truncate() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM ${ehe.module_schema}.event_embedding_pending p
     WHERE NOT EXISTS (SELECT 1 FROM ${ehe.schema}.events e WHERE e.id = p.event_id);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_embedding_leaf_truncate() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, model, organization_id, created_at)
    SELECT e.id, t.model, e.organization_id, ${ehe.module_schema}.ehe_pending_event_created(e)
      FROM ${ehe.schema}.events e CROSS JOIN ${ehe.module_schema}.event_embedding_pending_targets t
     WHERE t.state <> 'removing' AND ${ehe.module_schema}.ehe_pending_event_live(e)
       AND NOT EXISTS (SELECT 1 FROM ${ehe.schema}.event_embeddings x
                        WHERE x.event_id = e.id AND ${ehe.module_schema}.ehe_pending_counted_model(x) = t.model)
    ON CONFLICT (event_id, model) DO NOTHING;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_partition_setup() RETURNS text
LANGUAGE plpgsql AS $fn$
-- Idempotent, in the caller's transaction (lock_timeout bounds each trigger's SHARE ROW EXCLUSIVE):
-- on a partitioned events, the event delete trigger row-level; on every leaf of a partitioned events
-- or event_embeddings, the leaf's TRUNCATE trigger; on a table that is no longer a leaf of either
-- (detached, or the partition of a detached one), the module's TRUNCATE trigger dropped, so a
-- detached archive keeps nothing of the module. Returns what it changed, in words ('' for nothing).
DECLARE
    r    record;
    done text[] := '{}';
BEGIN
    IF (SELECT c.relkind FROM pg_class c WHERE c.oid = '${ehe.schema}.events'::regclass) = 'p'
       AND EXISTS (SELECT 1 FROM pg_trigger g
                    WHERE g.tgrelid = '${ehe.schema}.events'::regclass AND g.tgname = 'trg_events_pending_targets_del'
                      AND g.tgtype::integer & 1 = 0) THEN
        DROP TRIGGER trg_events_pending_targets_del ON ${ehe.schema}.events;
        CREATE TRIGGER trg_events_pending_targets_del
            AFTER DELETE ON ${ehe.schema}.events
            FOR EACH ROW EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_delete_row();
        done := done || 'trg_events_pending_targets_del made row-level on partitioned ${ehe.schema}.events'::text;
    END IF;
    FOR r IN
        SELECT l.relid::regclass AS leaf, t.trg, t.fn
          FROM (VALUES ('${ehe.schema}.events'::regclass, 'trg_events_pending_targets_leaf_trunc', 'ehe_pending_targets_after_event_leaf_truncate'),
                       ('${ehe.schema}.event_embeddings'::regclass, 'trg_event_embeddings_pending_targets_leaf_trunc', 'ehe_pending_targets_after_embedding_leaf_truncate')) t(tbl, trg, fn)
          CROSS JOIN LATERAL pg_partition_tree(t.tbl) l
         WHERE l.isleaf AND l.level > 0
           AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = l.relid AND g.tgname = t.trg)
         ORDER BY 1
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.%I()', r.trg, r.leaf, r.fn);
        done := done || format('%s on %s', r.trg, r.leaf);
    END LOOP;
    FOR r IN
        SELECT g.tgname, g.tgrelid::regclass AS rel
          FROM pg_trigger g
         WHERE g.tgfoid IN ('${ehe.module_schema}.ehe_pending_targets_after_event_leaf_truncate()'::regprocedure,
                            '${ehe.module_schema}.ehe_pending_targets_after_embedding_leaf_truncate()'::regprocedure)
           AND g.tgrelid NOT IN (SELECT l.relid FROM pg_partition_tree('${ehe.schema}.events'::regclass) l WHERE l.isleaf AND l.level > 0
                                 UNION ALL
                                 SELECT l.relid FROM pg_partition_tree('${ehe.schema}.event_embeddings'::regclass) l WHERE l.isleaf AND l.level > 0)
         ORDER BY 2
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', r.tgname, r.rel);
        done := done || format('%s dropped from %s (no longer a partition)', r.tgname, r.rel);
    END LOOP;
    RETURN array_to_string(done, '; ');
END
$fn$;

SELECT ${ehe.module_schema}.ehe_pending_partition_setup();
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- Every TRUNCATE trigger of the module, on leaves and on tables detached since, then the
--rollback -- statement-level event delete trigger of 140 back on a partitioned events, then 140's insert function.
--rollback DO $rb$
--rollback DECLARE
--rollback     r record;
--rollback BEGIN
--rollback     FOR r IN
--rollback         SELECT g.tgname, g.tgrelid::regclass AS rel FROM pg_trigger g
--rollback          WHERE g.tgfoid IN (to_regprocedure('${ehe.module_schema}.ehe_pending_targets_after_event_leaf_truncate()'),
--rollback                             to_regprocedure('${ehe.module_schema}.ehe_pending_targets_after_embedding_leaf_truncate()'))
--rollback            AND g.tgparentid = 0
--rollback          ORDER BY 2
--rollback     LOOP
--rollback         EXECUTE format('DROP TRIGGER %I ON %s', r.tgname, r.rel);
--rollback     END LOOP;
--rollback     IF EXISTS (SELECT 1 FROM pg_trigger g
--rollback                 WHERE g.tgrelid = '${ehe.schema}.events'::regclass AND g.tgname = 'trg_events_pending_targets_del'
--rollback                   AND g.tgfoid = to_regprocedure('${ehe.module_schema}.ehe_pending_targets_after_event_delete_row()')) THEN
--rollback         DROP TRIGGER trg_events_pending_targets_del ON ${ehe.schema}.events;
--rollback         CREATE TRIGGER trg_events_pending_targets_del
--rollback             AFTER DELETE ON ${ehe.schema}.events
--rollback             REFERENCING OLD TABLE AS ehe_old_events
--rollback             FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_delete();
--rollback     END IF;
--rollback END
--rollback $rb$;
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; dropping functions is catalog-only
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_partition_setup();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_targets_after_event_leaf_truncate();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_targets_after_embedding_leaf_truncate();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_targets_after_event_delete_row();
--rollback CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_insert() RETURNS trigger
--rollback LANGUAGE plpgsql AS $fn$
--rollback BEGIN
--rollback     INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, model, organization_id, created_at)
--rollback     SELECT NEW.id, t.model, NEW.organization_id, ${ehe.module_schema}.ehe_pending_event_created(NEW)
--rollback       FROM ${ehe.module_schema}.event_embedding_pending_targets t
--rollback      WHERE t.state <> 'removing'
--rollback     ON CONFLICT (event_id, model) DO NOTHING;
--rollback     RETURN NULL;
--rollback END
--rollback $fn$;
