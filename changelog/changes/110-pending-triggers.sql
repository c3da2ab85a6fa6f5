--liquibase formatted sql

--changeset ehe:110-pending-triggers splitStatements:false rollbackSplitStatements:false labels:pending-table logicalFilePath:changelog/changes/110-pending-triggers.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'pending-table' THEN 1 ELSE 0 END
--comment: Triggers that keep event_embedding_pending exact: a row for event E exists if and only if E exists, E.payload_text is neither NULL nor empty, and no event_embeddings row references E. No statement here updates events.
--
-- Why the row is exact at every commit, under any interleaving (READ COMMITTED):
-- 1. Two lock levels on the events row decide who waits for whom. An embedding insert holds FOR KEY
--    SHARE on its event (the foreign-key check takes it; the trigger takes it again so a schema
--    without the foreign key behaves the same). Every path that may ADD a pending row (an embedding
--    deleted or moved away, payload_text or organization_id changed, the bootstrap) first locks the
--    event FOR UPDATE, the one row lock that conflicts with FOR KEY SHARE, in id order. So an adder
--    and an embedding inserter of the same event never overlap: whoever locks second waits for the
--    first to commit or roll back.
-- 2. Adders decide only after the lock, in a new statement: a PL/pgSQL statement in a volatile
--    function takes a new snapshot, so it sees what the transaction it waited for committed (the
--    embedding that now exists, the other chunk that was deleted). Deciding in the locking statement
--    would judge with the old snapshot, the mistake 020's comment describes.
-- 3. The embedding insert only deletes. If an adder committed first, the inserter's lock waited for
--    it and its DELETE (a new statement) sees and removes the row the adder wrote. If the inserter
--    locked first, the adder waits for its commit and then sees the embedding, so it adds nothing.
-- 4. A new event cannot have an embedding yet (the foreign key waits for the event's commit), so its
--    insert adds the row without a lock. Deleting an event removes its row; the delete holds the
--    strongest row lock, so adders wait and then find the event gone (their insert joins events).
-- 5. TRUNCATE of event_embeddings holds ACCESS EXCLUSIVE until commit: no embedding exists or can be
--    added meanwhile, so every event with text is pending. TRUNCATE of events empties the table.
-- 6. ON CONFLICT DO NOTHING makes adders idempotent where two of them (a trigger and the bootstrap)
--    reach the same event; the per-event lock orders them, so the second finds the row the first
--    committed.
-- Cost choices, measured by hand on PostgreSQL 15 (300k events; docs/pending-table-notes.md; median of
-- 7, 1,000 rows, inside the server, against the same statement with no trigger):
--   event insert, one row per statement (what the app does): row-level with WHEN 1.07x,
--     statement-level 1.21x; a foreign key from this table to events instead of the delete
--     trigger made it 1.44x. So: row-level, WHEN skips events without text, deletes by trigger.
--   embedding insert, one 1,000-row statement (the embedding writer stores a batch): statement-level
--     1.31x, row-level 2.8x; as 1,000 single-row statements: statement-level 3.4x, row-level 1.9x.
--     The writer stores batches, so: statement-level. A writer that stores one row per statement
--     pays about 13 us more per row than it would with a row-level trigger.
-- Deletes, moves and truncates are rare and often bulk (cascades, a model change): statement-level
-- with transition tables.
-- A bulk embedding insert whose rows are not in event-id order can deadlock with a concurrent adder
-- on the same events (its foreign-key locks are taken in row order); PostgreSQL detects it and
-- rolls one back, which keeps the table exact. Inserting in event-id order avoids it.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);

-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above (squawk does not read it); functions and triggers are catalog-only, their only wait is the lock
CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_insert() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, organization_id)
    VALUES (NEW.id, NEW.organization_id)
    ON CONFLICT (event_id) DO NOTHING;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_update() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM 1 FROM ${ehe.schema}.events e WHERE e.id = NEW.id FOR UPDATE OF e;
    IF NEW.payload_text IS NOT NULL AND NEW.payload_text <> ''
       AND NOT EXISTS (SELECT 1 FROM ${ehe.schema}.event_embeddings x WHERE x.event_id = NEW.id) THEN
        INSERT INTO ${ehe.module_schema}.event_embedding_pending AS p (event_id, organization_id)
        VALUES (NEW.id, NEW.organization_id)
        ON CONFLICT (event_id) DO UPDATE SET organization_id = EXCLUDED.organization_id
         WHERE p.organization_id IS DISTINCT FROM EXCLUDED.organization_id;
    ELSE
        DELETE FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.event_id = NEW.id;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_delete() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.event_id IN (SELECT o.id FROM ehe_old_events o);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_truncate() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM ${ehe.module_schema}.event_embedding_pending;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_insert() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM 1 FROM ${ehe.schema}.events e
     WHERE e.id IN (SELECT n.event_id FROM ehe_new_rows n)
     ORDER BY e.id
       FOR KEY SHARE OF e;
    DELETE FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.event_id IN (SELECT n.event_id FROM ehe_new_rows n);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_delete() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM 1 FROM ${ehe.schema}.events e
     WHERE e.id IN (SELECT o.event_id FROM ehe_old_rows o)
     ORDER BY e.id
       FOR UPDATE OF e;
    INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, organization_id)
    SELECT e.id, e.organization_id
      FROM ${ehe.schema}.events e
     WHERE e.id IN (SELECT o.event_id FROM ehe_old_rows o)
       AND e.payload_text IS NOT NULL AND e.payload_text <> ''
       AND NOT EXISTS (SELECT 1 FROM ${ehe.schema}.event_embeddings x WHERE x.event_id = e.id)
    ON CONFLICT (event_id) DO NOTHING;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_update() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    -- Restamps (model or vector rewritten in place) keep the set of event ids: nothing to do.
    IF NOT EXISTS (SELECT n.event_id FROM ehe_new_rows n EXCEPT SELECT o.event_id FROM ehe_old_rows o)
       AND NOT EXISTS (SELECT o.event_id FROM ehe_old_rows o EXCEPT SELECT n.event_id FROM ehe_new_rows n) THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM ${ehe.schema}.events e
     WHERE e.id IN ((SELECT n.event_id FROM ehe_new_rows n EXCEPT SELECT o.event_id FROM ehe_old_rows o)
                    UNION
                    (SELECT o.event_id FROM ehe_old_rows o EXCEPT SELECT n.event_id FROM ehe_new_rows n))
     ORDER BY e.id
       FOR UPDATE OF e;
    DELETE FROM ${ehe.module_schema}.event_embedding_pending p
     WHERE p.event_id IN (SELECT n.event_id FROM ehe_new_rows n EXCEPT SELECT o.event_id FROM ehe_old_rows o);
    INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, organization_id)
    SELECT e.id, e.organization_id
      FROM ${ehe.schema}.events e
     WHERE e.id IN (SELECT o.event_id FROM ehe_old_rows o EXCEPT SELECT n.event_id FROM ehe_new_rows n)
       AND e.payload_text IS NOT NULL AND e.payload_text <> ''
       AND NOT EXISTS (SELECT 1 FROM ${ehe.schema}.event_embeddings x WHERE x.event_id = e.id)
    ON CONFLICT (event_id) DO NOTHING;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_truncate() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, organization_id)
    SELECT e.id, e.organization_id
      FROM ${ehe.schema}.events e
     WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
    ON CONFLICT (event_id) DO NOTHING;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER trg_events_pending_ins
    AFTER INSERT ON ${ehe.schema}.events
    FOR EACH ROW WHEN (NEW.payload_text IS NOT NULL AND NEW.payload_text <> '')
    EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_insert();

CREATE TRIGGER trg_events_pending_upd
    AFTER UPDATE OF payload_text, organization_id ON ${ehe.schema}.events
    FOR EACH ROW WHEN (OLD.payload_text IS DISTINCT FROM NEW.payload_text
                       OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
    EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_update();

CREATE TRIGGER trg_events_pending_del
    AFTER DELETE ON ${ehe.schema}.events
    REFERENCING OLD TABLE AS ehe_old_events
    FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_delete();

CREATE TRIGGER trg_events_pending_trunc
    AFTER TRUNCATE ON ${ehe.schema}.events
    FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_truncate();

CREATE TRIGGER trg_event_embeddings_pending_ins
    AFTER INSERT ON ${ehe.schema}.event_embeddings
    REFERENCING NEW TABLE AS ehe_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_insert();

CREATE TRIGGER trg_event_embeddings_pending_del
    AFTER DELETE ON ${ehe.schema}.event_embeddings
    REFERENCING OLD TABLE AS ehe_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_delete();

CREATE TRIGGER trg_event_embeddings_pending_upd
    AFTER UPDATE ON ${ehe.schema}.event_embeddings
    REFERENCING OLD TABLE AS ehe_old_rows NEW TABLE AS ehe_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_update();

CREATE TRIGGER trg_event_embeddings_pending_trunc
    AFTER TRUNCATE ON ${ehe.schema}.event_embeddings
    FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_truncate();
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; dropping triggers and functions is catalog-only
--rollback DROP TRIGGER IF EXISTS trg_events_pending_ins ON ${ehe.schema}.events;
--rollback DROP TRIGGER IF EXISTS trg_events_pending_upd ON ${ehe.schema}.events;
--rollback DROP TRIGGER IF EXISTS trg_events_pending_del ON ${ehe.schema}.events;
--rollback DROP TRIGGER IF EXISTS trg_events_pending_trunc ON ${ehe.schema}.events;
--rollback DROP TRIGGER IF EXISTS trg_event_embeddings_pending_ins ON ${ehe.schema}.event_embeddings;
--rollback DROP TRIGGER IF EXISTS trg_event_embeddings_pending_del ON ${ehe.schema}.event_embeddings;
--rollback DROP TRIGGER IF EXISTS trg_event_embeddings_pending_upd ON ${ehe.schema}.event_embeddings;
--rollback DROP TRIGGER IF EXISTS trg_event_embeddings_pending_trunc ON ${ehe.schema}.event_embeddings;
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_event_insert();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_event_update();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_event_delete();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_event_truncate();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_embedding_insert();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_embedding_delete();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_embedding_update();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_embedding_truncate();
