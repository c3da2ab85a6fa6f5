--liquibase formatted sql

--changeset ehe:140-pending-per-target splitStatements:false rollbackSplitStatements:false labels:pending-table logicalFilePath:changelog/changes/140-pending-per-target.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'pending-table' THEN 1 ELSE 0 END
--comment: The pending table per (event, target model) and the triggers that keep it exact under the configured semantics (130): a row (E, M) exists if and only if E exists, is live (payload_text neither NULL nor empty, organization_id not NULL, not superseded where a superseded column is configured), M is a target that is not being removed, and no event_embeddings row of E counts for M (model M where a model column is configured, chunk 0 where a chunk column is). Replaces 110's triggers; no statement here writes events.
--
-- Why every row is exact at every commit, under any interleaving (READ COMMITTED writers):
-- 1. Two kinds of transaction-level advisory lock, in their own two-key namespace (the two-int form,
--    classes 1701340465 and 1701340466, so they never meet the application's one-bigint keys):
--      event key  (class ...465, hash of E)     liveness changers take it exclusive, adders shared;
--      target key (class ...466, hash of E, M)  everyone who writes the pending row (E, M) exclusive.
--    Row locks on events cannot do this: the only row lock that waits for an embedding insert (which
--    holds FOR KEY SHARE) is FOR UPDATE, and that also conflicts with the FOR SHARE the app's re-embed
--    worker holds, so two models of one event re-embedded at once would deadlock. Advisory keys are
--    per (event, model): two models never wait for each other, and nothing here dirties a page of events.
-- 2. Inserting a row that counts for (E, M) only deletes the pending row: it takes the target key,
--    then deletes in a new statement. Deleting (or moving) such a row may add one: shared event key,
--    target key, then, in a new statement, it adds the row if E is live and no other row counts. The
--    delete trigger is deferred to commit (a constraint trigger), so a transaction that deletes a
--    pair's rows and inserts new ones (the app's re-embed) decides once, on its final state; taking
--    the keys at commit rather than at the DELETE changes nothing below: they are still taken before
--    deciding and held to the end.
--    A PL/pgSQL statement in a volatile function takes a new snapshot, so whoever waited for a key
--    sees what the holder committed; deciding in the locking statement would judge on the old one.
-- 3. A change of liveness (payload_text, organization_id, the superseded or created column; the
--    UPDATE trigger's column list names exactly these, so no other UPDATE fires it) takes the event
--    key exclusive. When E dies it deletes all of E's rows: an adder that came first has committed
--    its row (we waited for its shared key), one that comes later waits and then finds E dead. When
--    E becomes live it also takes every target key (in key order) before adding.
-- 4. A new event has no embedding (the foreign key makes an embedding insert wait for the event's
--    commit), so its insert adds one row per target without a lock. Deleting events takes their
--    event keys (in key order) and removes their rows. TRUNCATE holds ACCESS EXCLUSIVE until commit.
-- 5. Targets: a statement sees the targets committed before it started. Adding a target commits the
--    row (state filling) first; the fill then waits for every transaction older than itself before
--    its walk (io.ehe.design.pending.TargetFillStep), so every writer that could not see the new
--    target has ended and every later one keeps it exact. Removing works the same way round.
-- 6. Lock order is always event key before target key, and several keys of one statement in key
--    order. The fill and repair never wait for a key while holding one (the fill only tries;
--    repair takes event keys, then target keys, in order). So the module adds a wait only between
--    transactions that write the same (event, model)'s embedding rows or the same event's liveness:
--    transactions the application already orders with its own row locks. Deadlocks it cannot add.
-- 7. A key is a lock-table entry held to commit, and the shared lock table is small
--    (max_locks_per_transaction x (max_connections + max_prepared_transactions), 6,400 by default).
--    So a transaction takes at most 256 keys (ehe_pending_lock): then it takes SHARE ROW EXCLUSIVE
--    on the pending table instead. Every statement that writes a pending row (and decides in the same
--    statement) takes ROW EXCLUSIVE on it before its snapshot, so it waits for the bulk transaction
--    and then sees what it committed, and the bulk one waited for every writer in flight: the keys'
--    guarantee, for the price of stalling the app's pending-table writes until a bulk statement on
--    an active target commits. The triggers skip models that are not active targets without any lock.
-- The expressions that depend on the semantics live in three inlinable SQL functions and in the
-- triggers' WHEN clauses and column list, all regenerated by ehe_pending_apply_semantics() from the
-- semantics row; the trigger functions below are the same whatever the semantics.
-- Upgrade from 110 in one transaction, so no write ever runs between the old triggers and the new:
-- ACCESS EXCLUSIVE on events, event_embeddings and the pending table first (lock_timeout bounds the wait; reads of
-- events wait for the rest of this transaction: the reshaped table is small, ~25k rows in the
-- seed's figures, so milliseconds), then the table reshaped in place, old triggers out, new ones in.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);

-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above (squawk does not read it); the lock is held only for this catalog-and-small-table change
LOCK TABLE ${ehe.schema}.events, ${ehe.schema}.event_embeddings, ${ehe.module_schema}.event_embedding_pending IN ACCESS EXCLUSIVE MODE;

DROP TRIGGER IF EXISTS trg_events_pending_ins ON ${ehe.schema}.events;
DROP TRIGGER IF EXISTS trg_events_pending_upd ON ${ehe.schema}.events;
DROP TRIGGER IF EXISTS trg_events_pending_del ON ${ehe.schema}.events;
DROP TRIGGER IF EXISTS trg_events_pending_trunc ON ${ehe.schema}.events;
DROP TRIGGER IF EXISTS trg_event_embeddings_pending_ins ON ${ehe.schema}.event_embeddings;
DROP TRIGGER IF EXISTS trg_event_embeddings_pending_del ON ${ehe.schema}.event_embeddings;
DROP TRIGGER IF EXISTS trg_event_embeddings_pending_upd ON ${ehe.schema}.event_embeddings;
DROP TRIGGER IF EXISTS trg_event_embeddings_pending_trunc ON ${ehe.schema}.event_embeddings;
DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_event_insert();
DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_event_update();
DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_event_delete();
DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_event_truncate();
DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_embedding_insert();
DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_embedding_delete();
DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_embedding_update();
DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_after_embedding_truncate();

-- Existing rows answer the seed's question, which is target '' ("any model") under the default semantics.
-- squawk-ignore adding-field-with-default, require-lock-timeout, require-statement-timeout -- a constant default is catalog-only (PostgreSQL 11+); lock_timeout set above
ALTER TABLE ${ehe.module_schema}.event_embedding_pending ADD COLUMN model text NOT NULL DEFAULT '';
-- squawk-ignore require-lock-timeout, require-statement-timeout -- catalog-only (nullable, no default)
ALTER TABLE ${ehe.module_schema}.event_embedding_pending ADD COLUMN created_at timestamptz;
-- squawk-ignore require-lock-timeout, require-statement-timeout, constraint-missing-not-valid, adding-serial-primary-key-field -- the module's own small table, locked above: the new key's index is built from its ~25k rows in milliseconds
ALTER TABLE ${ehe.module_schema}.event_embedding_pending DROP CONSTRAINT event_embedding_pending_pkey, ADD CONSTRAINT event_embedding_pending_pkey PRIMARY KEY (event_id, model);
-- squawk-ignore require-concurrent-index-deletion, require-lock-timeout, require-statement-timeout -- the module's own small table, locked above
DROP INDEX ${ehe.module_schema}.event_embedding_pending_org_idx;
-- The scheduler's two questions, both index-only: the newest candidates of a target (discovery), and
-- one organization's newest (pick). Newest = created_at, then event_id (created_at NULL without a created column).
-- squawk-ignore require-concurrent-index-creation, require-lock-timeout, require-statement-timeout -- the module's own small table, locked above
CREATE INDEX event_embedding_pending_newest_idx ON ${ehe.module_schema}.event_embedding_pending (model, created_at, event_id) INCLUDE (organization_id);
-- squawk-ignore require-concurrent-index-creation, require-lock-timeout, require-statement-timeout -- as above
CREATE INDEX event_embedding_pending_org_newest_idx ON ${ehe.module_schema}.event_embedding_pending (model, organization_id, created_at, event_id);
COMMENT ON TABLE ${ehe.module_schema}.event_embedding_pending IS 'events-has-embedding: (event, target model) pairs that still need an embedding under the configured semantics (exact at every commit; kept by triggers)';

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_event_key(event_id bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$ SELECT hashint8(event_id) $fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_target_key(event_id bigint, model text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$ SELECT hashint8(event_id) # hashtext(model) $fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_lock(class integer, key integer, shared boolean) RETURNS void
LANGUAGE plpgsql AS $fn$
-- Takes one advisory key for this transaction, or, once the transaction holds 256 of them (a bulk
-- statement: a cascade, a model's rows deleted at once, an import), takes SHARE ROW EXCLUSIVE on the
-- pending table instead and no more keys: every write of a pending row needs ROW EXCLUSIVE on that
-- table before its statement takes its snapshot, so from then on every other writer waits for this
-- transaction before deciding, which is what the keys did, with one lock-table entry instead of one
-- per row. The keys already held stay held. The count lives in a transaction-local setting.
DECLARE
    n integer := coalesce(nullif(current_setting('ehe.pending_keys', true), ''), '0')::integer;
BEGIN
    IF n < 0 THEN
        RETURN;
    END IF;
    IF n >= 256 THEN
        LOCK TABLE ${ehe.module_schema}.event_embedding_pending IN SHARE ROW EXCLUSIVE MODE;
        PERFORM set_config('ehe.pending_keys', '-1', true);
        RETURN;
    END IF;
    IF shared THEN
        PERFORM pg_advisory_xact_lock_shared(class, key);
    ELSE
        PERFORM pg_advisory_xact_lock(class, key);
    END IF;
    PERFORM set_config('ehe.pending_keys', (n + 1)::text, true);
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_apply_semantics() RETURNS text
LANGUAGE plpgsql AS $fn$
-- Regenerates everything that names an optional column, from the semantics row, in the caller's
-- transaction: the three expressions (as inlinable SQL functions used by the trigger bodies) and the
-- triggers whose WHEN clause or column list depends on them. Fails, changing nothing, if a
-- configured column is missing. Returns the semantics in words.
DECLARE
    s           record;
    live_new    text;
    live_old    text;
    created     text;
    counted     text;
    columns     text;
    counted_new text;
    counted_old text;
BEGIN
    SELECT * INTO STRICT s FROM ${ehe.module_schema}.event_embedding_pending_semantics;
    IF s.model_column IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${ehe.schema}.event_embeddings'::regclass AND attname = s.model_column AND NOT attisdropped) THEN
        RAISE EXCEPTION 'events-has-embedding: the configured model column event_embeddings.% does not exist', s.model_column;
    END IF;
    IF s.chunk_column IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${ehe.schema}.event_embeddings'::regclass AND attname = s.chunk_column AND NOT attisdropped) THEN
        RAISE EXCEPTION 'events-has-embedding: the configured chunk column event_embeddings.% does not exist', s.chunk_column;
    END IF;
    IF s.superseded_column IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${ehe.schema}.events'::regclass AND attname = s.superseded_column AND NOT attisdropped) THEN
        RAISE EXCEPTION 'events-has-embedding: the configured superseded column events.% does not exist', s.superseded_column;
    END IF;
    IF s.created_column IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${ehe.schema}.events'::regclass AND attname = s.created_column AND NOT attisdropped) THEN
        RAISE EXCEPTION 'events-has-embedding: the configured created column events.% does not exist', s.created_column;
    END IF;

    live_new := 'NEW.payload_text IS NOT NULL AND NEW.payload_text <> '''' AND NEW.organization_id IS NOT NULL'
        || CASE WHEN s.superseded_column IS NULL THEN '' ELSE format(' AND NEW.%I IS NULL', s.superseded_column) END;
    live_old := replace(live_new, 'NEW.', 'OLD.');
    created := CASE WHEN s.created_column IS NULL THEN 'NULL::timestamptz' ELSE format('e.%I::timestamptz', s.created_column) END;
    counted := CASE WHEN s.model_column IS NULL THEN '''''::text' ELSE format('x.%I::text', s.model_column) END;
    IF s.chunk_column IS NOT NULL THEN
        counted := format('CASE WHEN x.%I = 0 THEN %s END', s.chunk_column, counted);
    END IF;

    EXECUTE format('CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_event_live(e ${ehe.schema}.events) RETURNS boolean LANGUAGE sql STABLE AS %L',
                   'SELECT ' || replace(live_new, 'NEW.', 'e.'));
    EXECUTE format('CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_event_created(e ${ehe.schema}.events) RETURNS timestamptz LANGUAGE sql STABLE AS %L',
                   'SELECT ' || created);
    EXECUTE format('CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_counted_model(x ${ehe.schema}.event_embeddings) RETURNS text LANGUAGE sql STABLE AS %L',
                   'SELECT ' || counted);

    -- WHEN clauses are written out, not calls of the functions above: a trigger's WHEN is not
    -- inlined, and a SQL function call per row would cost more than the trigger it guards.
    columns := 'payload_text, organization_id'
        || CASE WHEN s.superseded_column IS NULL THEN '' ELSE ', ' || quote_ident(s.superseded_column) END
        || CASE WHEN s.created_column IS NULL THEN '' ELSE ', ' || quote_ident(s.created_column) END;
    EXECUTE format('CREATE OR REPLACE TRIGGER trg_events_pending_targets_ins AFTER INSERT ON ${ehe.schema}.events '
                   'FOR EACH ROW WHEN (%s) EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_insert()', live_new);
    EXECUTE format('CREATE OR REPLACE TRIGGER trg_events_pending_targets_upd AFTER UPDATE OF %s ON ${ehe.schema}.events '
                   'FOR EACH ROW WHEN ((%s) IS DISTINCT FROM (%s) OR OLD.organization_id IS DISTINCT FROM NEW.organization_id%s) '
                   'EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_update()',
                   columns, live_old, live_new,
                   CASE WHEN s.created_column IS NULL THEN ''
                        ELSE format(' OR OLD.%1$I IS DISTINCT FROM NEW.%1$I', s.created_column) END);
    counted_new := CASE WHEN s.chunk_column IS NULL THEN '' ELSE format('WHEN (NEW.%I = 0) ', s.chunk_column) END;
    counted_old := replace(counted_new, 'NEW.', 'OLD.');
    EXECUTE format('CREATE OR REPLACE TRIGGER trg_event_embeddings_pending_targets_ins AFTER INSERT ON ${ehe.schema}.event_embeddings '
                   'FOR EACH ROW %sEXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_embedding_insert()', counted_new);
    -- Deferred to commit: the app's re-embed deletes a pair's rows and inserts the new chunk 0 in the
    -- same transaction; decided at commit, the pair is still embedded and nothing is written, where
    -- an immediate trigger would add the pending row and the insert delete it again. (A constraint
    -- trigger cannot be replaced in place: dropped and created, under the caller's lock_timeout.)
    EXECUTE 'DROP TRIGGER IF EXISTS trg_event_embeddings_pending_targets_del ON ${ehe.schema}.event_embeddings';
    EXECUTE format('CREATE CONSTRAINT TRIGGER trg_event_embeddings_pending_targets_del AFTER DELETE ON ${ehe.schema}.event_embeddings '
                   'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW %sEXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_embedding_delete()', counted_old);
    EXECUTE format('CREATE OR REPLACE TRIGGER trg_event_embeddings_pending_targets_upd AFTER UPDATE ON ${ehe.schema}.event_embeddings '
                   'FOR EACH ROW WHEN (OLD.event_id IS DISTINCT FROM NEW.event_id%s%s) '
                   'EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_embedding_update()',
                   CASE WHEN s.model_column IS NULL THEN '' ELSE format(' OR OLD.%1$I IS DISTINCT FROM NEW.%1$I', s.model_column) END,
                   CASE WHEN s.chunk_column IS NULL THEN '' ELSE format(' OR OLD.%1$I IS DISTINCT FROM NEW.%1$I', s.chunk_column) END);
    RETURN format('model column: %s; chunk column: %s; superseded column: %s; created column: %s',
                  coalesce(s.model_column, '(none: any row counts)'), coalesce(s.chunk_column, '(none: every row counts)'),
                  coalesce(s.superseded_column, '(none)'), coalesce(s.created_column, '(none: newest = highest event_id)'));
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_insert() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, model, organization_id, created_at)
    SELECT NEW.id, t.model, NEW.organization_id, ${ehe.module_schema}.ehe_pending_event_created(NEW)
      FROM ${ehe.module_schema}.event_embedding_pending_targets t
     WHERE t.state <> 'removing'
    ON CONFLICT (event_id, model) DO NOTHING;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_update() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM ${ehe.module_schema}.ehe_pending_lock(1701340465, ${ehe.module_schema}.ehe_pending_event_key(NEW.id), false);
    IF ${ehe.module_schema}.ehe_pending_event_live(NEW) THEN
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
    ELSE
        DELETE FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.event_id = NEW.id;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_delete() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM ${ehe.module_schema}.ehe_pending_lock(1701340465, k.key, false)
       FROM (SELECT DISTINCT ${ehe.module_schema}.ehe_pending_event_key(o.id) AS key FROM ehe_old_events o ORDER BY 1) k;
    DELETE FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.event_id IN (SELECT o.id FROM ehe_old_events o);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_truncate() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM ${ehe.module_schema}.event_embedding_pending;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_embedding_insert() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    m text := ${ehe.module_schema}.ehe_pending_counted_model(NEW);
BEGIN
    IF m IS NULL OR NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_targets t
                                 WHERE t.model = m AND t.state <> 'removing') THEN
        RETURN NULL;
    END IF;
    PERFORM ${ehe.module_schema}.ehe_pending_lock(1701340466, ${ehe.module_schema}.ehe_pending_target_key(NEW.event_id, m), false);
    DELETE FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.event_id = NEW.event_id AND p.model = m;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_add_back(p_event bigint, p_model text) RETURNS void
LANGUAGE plpgsql AS $fn$
-- After a row that counted for (p_event, p_model) went away: the pair is pending again if the event
-- is live and no other row counts. Called with both keys held; PL/pgSQL so its plan is cached per session.
BEGIN
    INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, model, organization_id, created_at)
    SELECT e.id, p_model, e.organization_id, ${ehe.module_schema}.ehe_pending_event_created(e)
      FROM ${ehe.schema}.events e
     WHERE e.id = p_event
       AND ${ehe.module_schema}.ehe_pending_event_live(e)
       AND NOT EXISTS (SELECT 1 FROM ${ehe.schema}.event_embeddings x
                        WHERE x.event_id = e.id AND ${ehe.module_schema}.ehe_pending_counted_model(x) = p_model)
    ON CONFLICT (event_id, model) DO NOTHING;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_embedding_delete() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    m text := ${ehe.module_schema}.ehe_pending_counted_model(OLD);
BEGIN
    IF m IS NULL OR NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_targets t
                                 WHERE t.model = m AND t.state <> 'removing') THEN
        RETURN NULL;
    END IF;
    PERFORM ${ehe.module_schema}.ehe_pending_lock(1701340465, ${ehe.module_schema}.ehe_pending_event_key(OLD.event_id), true);
    PERFORM ${ehe.module_schema}.ehe_pending_lock(1701340466, ${ehe.module_schema}.ehe_pending_target_key(OLD.event_id, m), false);
    PERFORM ${ehe.module_schema}.ehe_pending_add_back(OLD.event_id, m);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_embedding_update() RETURNS trigger
LANGUAGE plpgsql AS $fn$
-- A row moved to another event, model or chunk: the new key gains a counting row (delete its
-- pending row), the old key may have lost its last one (add it back). Keys in the usual order.
DECLARE
    m_new text := ${ehe.module_schema}.ehe_pending_counted_model(NEW);
    m_old text := ${ehe.module_schema}.ehe_pending_counted_model(OLD);
BEGIN
    IF m_new IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_targets t WHERE t.model = m_new AND t.state <> 'removing') THEN
        m_new := NULL;
    END IF;
    IF m_old IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_targets t WHERE t.model = m_old AND t.state <> 'removing') THEN
        m_old := NULL;
    END IF;
    IF m_old IS NOT NULL THEN
        PERFORM ${ehe.module_schema}.ehe_pending_lock(1701340465, ${ehe.module_schema}.ehe_pending_event_key(OLD.event_id), true);
    END IF;
    PERFORM ${ehe.module_schema}.ehe_pending_lock(1701340466, k.key, false)
       FROM (SELECT DISTINCT key FROM (VALUES (CASE WHEN m_new IS NOT NULL THEN ${ehe.module_schema}.ehe_pending_target_key(NEW.event_id, m_new) END),
                                              (CASE WHEN m_old IS NOT NULL THEN ${ehe.module_schema}.ehe_pending_target_key(OLD.event_id, m_old) END)) v(key)
              WHERE key IS NOT NULL ORDER BY 1) k;
    IF m_new IS NOT NULL THEN
        DELETE FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.event_id = NEW.event_id AND p.model = m_new;
    END IF;
    IF m_old IS NOT NULL THEN
        PERFORM ${ehe.module_schema}.ehe_pending_add_back(OLD.event_id, m_old);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_embedding_truncate() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, model, organization_id, created_at)
    SELECT e.id, t.model, e.organization_id, ${ehe.module_schema}.ehe_pending_event_created(e)
      FROM ${ehe.schema}.events e CROSS JOIN ${ehe.module_schema}.event_embedding_pending_targets t
     WHERE t.state <> 'removing' AND ${ehe.module_schema}.ehe_pending_event_live(e)
    ON CONFLICT (event_id, model) DO NOTHING;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER trg_events_pending_targets_del
    AFTER DELETE ON ${ehe.schema}.events
    REFERENCING OLD TABLE AS ehe_old_events
    FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_delete();

CREATE TRIGGER trg_events_pending_targets_trunc
    AFTER TRUNCATE ON ${ehe.schema}.events
    FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_event_truncate();

CREATE TRIGGER trg_event_embeddings_pending_targets_trunc
    AFTER TRUNCATE ON ${ehe.schema}.event_embeddings
    FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_targets_after_embedding_truncate();

-- The semantics-dependent functions and the five row-level triggers, from the default semantics row.
SELECT ${ehe.module_schema}.ehe_pending_apply_semantics();
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; held only for this catalog-and-small-table change
--rollback LOCK TABLE ${ehe.schema}.events, ${ehe.schema}.event_embeddings, ${ehe.module_schema}.event_embedding_pending IN ACCESS EXCLUSIVE MODE;
--rollback DROP TRIGGER IF EXISTS trg_events_pending_targets_ins ON ${ehe.schema}.events;
--rollback DROP TRIGGER IF EXISTS trg_events_pending_targets_upd ON ${ehe.schema}.events;
--rollback DROP TRIGGER IF EXISTS trg_events_pending_targets_del ON ${ehe.schema}.events;
--rollback DROP TRIGGER IF EXISTS trg_events_pending_targets_trunc ON ${ehe.schema}.events;
--rollback DROP TRIGGER IF EXISTS trg_event_embeddings_pending_targets_ins ON ${ehe.schema}.event_embeddings;
--rollback DROP TRIGGER IF EXISTS trg_event_embeddings_pending_targets_del ON ${ehe.schema}.event_embeddings;
--rollback DROP TRIGGER IF EXISTS trg_event_embeddings_pending_targets_upd ON ${ehe.schema}.event_embeddings;
--rollback DROP TRIGGER IF EXISTS trg_event_embeddings_pending_targets_trunc ON ${ehe.schema}.event_embeddings;
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_targets_after_event_insert();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_targets_after_event_update();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_targets_after_event_delete();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_targets_after_event_truncate();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_targets_after_embedding_insert();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_targets_after_embedding_delete();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_targets_after_embedding_update();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_targets_after_embedding_truncate();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_apply_semantics();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_event_live(${ehe.schema}.events);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_event_created(${ehe.schema}.events);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_counted_model(${ehe.schema}.event_embeddings);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_target_key(bigint, text);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_event_key(bigint);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_lock(integer, integer, boolean);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_add_back(bigint, text);
--rollback -- Back to the seed's question. The rows of target '' answer it only if the semantics were the
--rollback -- default ones and that target was ready; otherwise the table is emptied and the bootstrap's plan
--rollback -- reset, so `backfill` fills it again (status says so). No statement writes events.
--rollback DO $rb$
--rollback BEGIN
--rollback     IF to_regclass('${ehe.module_schema}.event_embedding_pending_semantics') IS NOT NULL
--rollback        AND EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_semantics
--rollback                     WHERE model_column IS NULL AND chunk_column IS NULL AND superseded_column IS NULL)
--rollback        AND EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_targets WHERE model = '' AND state = 'ready') THEN
--rollback         DELETE FROM ${ehe.module_schema}.event_embedding_pending WHERE model <> '';
--rollback     ELSE
--rollback         DELETE FROM ${ehe.module_schema}.event_embedding_pending;
--rollback         DELETE FROM ${ehe.module_schema}.event_embedding_pending_bootstrap;
--rollback     END IF;
--rollback END
--rollback $rb$;
--rollback -- squawk-ignore require-concurrent-index-deletion, require-lock-timeout, require-statement-timeout -- the module's own small table, locked above
--rollback DROP INDEX IF EXISTS ${ehe.module_schema}.event_embedding_pending_newest_idx;
--rollback -- squawk-ignore require-concurrent-index-deletion, require-lock-timeout, require-statement-timeout -- as above
--rollback DROP INDEX IF EXISTS ${ehe.module_schema}.event_embedding_pending_org_newest_idx;
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout, constraint-missing-not-valid, adding-serial-primary-key-field -- the module's own small table, locked above
--rollback ALTER TABLE ${ehe.module_schema}.event_embedding_pending DROP CONSTRAINT event_embedding_pending_pkey, ADD CONSTRAINT event_embedding_pending_pkey PRIMARY KEY (event_id);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout, ban-drop-column -- catalog-only; restores 100's shape
--rollback ALTER TABLE ${ehe.module_schema}.event_embedding_pending DROP COLUMN model, DROP COLUMN created_at;
--rollback -- squawk-ignore require-concurrent-index-creation, require-lock-timeout, require-statement-timeout -- the module's own small table, locked above
--rollback CREATE INDEX event_embedding_pending_org_idx ON ${ehe.module_schema}.event_embedding_pending (organization_id, event_id);
--rollback COMMENT ON TABLE ${ehe.module_schema}.event_embedding_pending IS 'events-has-embedding: events with a non-empty payload_text and no event_embeddings row (exact at every commit; kept by triggers)';
--rollback -- 110's functions and triggers, exactly as 110 creates them. Liquibase strips comments from a changeSet's SQL
--rollback -- but not from its rollback SQL: the one comment line inside a 110 function body was created as four spaces,
--rollback -- and is written so here (a line with trailing blanks), so the restored function is the released one byte for byte.
--rollback CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_insert() RETURNS trigger
--rollback LANGUAGE plpgsql AS $fn$
--rollback BEGIN
--rollback     INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, organization_id)
--rollback     VALUES (NEW.id, NEW.organization_id)
--rollback     ON CONFLICT (event_id) DO NOTHING;
--rollback     RETURN NULL;
--rollback END
--rollback $fn$;
--rollback CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_update() RETURNS trigger
--rollback LANGUAGE plpgsql AS $fn$
--rollback BEGIN
--rollback     PERFORM 1 FROM ${ehe.schema}.events e WHERE e.id = NEW.id FOR UPDATE OF e;
--rollback     IF NEW.payload_text IS NOT NULL AND NEW.payload_text <> ''
--rollback        AND NOT EXISTS (SELECT 1 FROM ${ehe.schema}.event_embeddings x WHERE x.event_id = NEW.id) THEN
--rollback         INSERT INTO ${ehe.module_schema}.event_embedding_pending AS p (event_id, organization_id)
--rollback         VALUES (NEW.id, NEW.organization_id)
--rollback         ON CONFLICT (event_id) DO UPDATE SET organization_id = EXCLUDED.organization_id
--rollback          WHERE p.organization_id IS DISTINCT FROM EXCLUDED.organization_id;
--rollback     ELSE
--rollback         DELETE FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.event_id = NEW.id;
--rollback     END IF;
--rollback     RETURN NULL;
--rollback END
--rollback $fn$;
--rollback CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_delete() RETURNS trigger
--rollback LANGUAGE plpgsql AS $fn$
--rollback BEGIN
--rollback     DELETE FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.event_id IN (SELECT o.id FROM ehe_old_events o);
--rollback     RETURN NULL;
--rollback END
--rollback $fn$;
--rollback CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_truncate() RETURNS trigger
--rollback LANGUAGE plpgsql AS $fn$
--rollback BEGIN
--rollback     DELETE FROM ${ehe.module_schema}.event_embedding_pending;
--rollback     RETURN NULL;
--rollback END
--rollback $fn$;
--rollback CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_insert() RETURNS trigger
--rollback LANGUAGE plpgsql AS $fn$
--rollback BEGIN
--rollback     PERFORM 1 FROM ${ehe.schema}.events e
--rollback      WHERE e.id IN (SELECT n.event_id FROM ehe_new_rows n)
--rollback      ORDER BY e.id
--rollback        FOR KEY SHARE OF e;
--rollback     DELETE FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.event_id IN (SELECT n.event_id FROM ehe_new_rows n);
--rollback     RETURN NULL;
--rollback END
--rollback $fn$;
--rollback CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_delete() RETURNS trigger
--rollback LANGUAGE plpgsql AS $fn$
--rollback BEGIN
--rollback     PERFORM 1 FROM ${ehe.schema}.events e
--rollback      WHERE e.id IN (SELECT o.event_id FROM ehe_old_rows o)
--rollback      ORDER BY e.id
--rollback        FOR UPDATE OF e;
--rollback     INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, organization_id)
--rollback     SELECT e.id, e.organization_id
--rollback       FROM ${ehe.schema}.events e
--rollback      WHERE e.id IN (SELECT o.event_id FROM ehe_old_rows o)
--rollback        AND e.payload_text IS NOT NULL AND e.payload_text <> ''
--rollback        AND NOT EXISTS (SELECT 1 FROM ${ehe.schema}.event_embeddings x WHERE x.event_id = e.id)
--rollback     ON CONFLICT (event_id) DO NOTHING;
--rollback     RETURN NULL;
--rollback END
--rollback $fn$;
--rollback CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_update() RETURNS trigger
--rollback LANGUAGE plpgsql AS $fn$
--rollback BEGIN
--rollback     
--rollback     IF NOT EXISTS (SELECT n.event_id FROM ehe_new_rows n EXCEPT SELECT o.event_id FROM ehe_old_rows o)
--rollback        AND NOT EXISTS (SELECT o.event_id FROM ehe_old_rows o EXCEPT SELECT n.event_id FROM ehe_new_rows n) THEN
--rollback         RETURN NULL;
--rollback     END IF;
--rollback     PERFORM 1 FROM ${ehe.schema}.events e
--rollback      WHERE e.id IN ((SELECT n.event_id FROM ehe_new_rows n EXCEPT SELECT o.event_id FROM ehe_old_rows o)
--rollback                     UNION
--rollback                     (SELECT o.event_id FROM ehe_old_rows o EXCEPT SELECT n.event_id FROM ehe_new_rows n))
--rollback      ORDER BY e.id
--rollback        FOR UPDATE OF e;
--rollback     DELETE FROM ${ehe.module_schema}.event_embedding_pending p
--rollback      WHERE p.event_id IN (SELECT n.event_id FROM ehe_new_rows n EXCEPT SELECT o.event_id FROM ehe_old_rows o);
--rollback     INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, organization_id)
--rollback     SELECT e.id, e.organization_id
--rollback       FROM ${ehe.schema}.events e
--rollback      WHERE e.id IN (SELECT o.event_id FROM ehe_old_rows o EXCEPT SELECT n.event_id FROM ehe_new_rows n)
--rollback        AND e.payload_text IS NOT NULL AND e.payload_text <> ''
--rollback        AND NOT EXISTS (SELECT 1 FROM ${ehe.schema}.event_embeddings x WHERE x.event_id = e.id)
--rollback     ON CONFLICT (event_id) DO NOTHING;
--rollback     RETURN NULL;
--rollback END
--rollback $fn$;
--rollback CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_truncate() RETURNS trigger
--rollback LANGUAGE plpgsql AS $fn$
--rollback BEGIN
--rollback     INSERT INTO ${ehe.module_schema}.event_embedding_pending (event_id, organization_id)
--rollback     SELECT e.id, e.organization_id
--rollback       FROM ${ehe.schema}.events e
--rollback      WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
--rollback     ON CONFLICT (event_id) DO NOTHING;
--rollback     RETURN NULL;
--rollback END
--rollback $fn$;
--rollback CREATE TRIGGER trg_events_pending_ins
--rollback     AFTER INSERT ON ${ehe.schema}.events
--rollback     FOR EACH ROW WHEN (NEW.payload_text IS NOT NULL AND NEW.payload_text <> '')
--rollback     EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_insert();
--rollback CREATE TRIGGER trg_events_pending_upd
--rollback     AFTER UPDATE OF payload_text, organization_id ON ${ehe.schema}.events
--rollback     FOR EACH ROW WHEN (OLD.payload_text IS DISTINCT FROM NEW.payload_text
--rollback                        OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
--rollback     EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_update();
--rollback CREATE TRIGGER trg_events_pending_del
--rollback     AFTER DELETE ON ${ehe.schema}.events
--rollback     REFERENCING OLD TABLE AS ehe_old_events
--rollback     FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_delete();
--rollback CREATE TRIGGER trg_events_pending_trunc
--rollback     AFTER TRUNCATE ON ${ehe.schema}.events
--rollback     FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_event_truncate();
--rollback CREATE TRIGGER trg_event_embeddings_pending_ins
--rollback     AFTER INSERT ON ${ehe.schema}.event_embeddings
--rollback     REFERENCING NEW TABLE AS ehe_new_rows
--rollback     FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_insert();
--rollback CREATE TRIGGER trg_event_embeddings_pending_del
--rollback     AFTER DELETE ON ${ehe.schema}.event_embeddings
--rollback     REFERENCING OLD TABLE AS ehe_old_rows
--rollback     FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_delete();
--rollback CREATE TRIGGER trg_event_embeddings_pending_upd
--rollback     AFTER UPDATE ON ${ehe.schema}.event_embeddings
--rollback     REFERENCING OLD TABLE AS ehe_old_rows NEW TABLE AS ehe_new_rows
--rollback     FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_update();
--rollback CREATE TRIGGER trg_event_embeddings_pending_trunc
--rollback     AFTER TRUNCATE ON ${ehe.schema}.event_embeddings
--rollback     FOR EACH STATEMENT EXECUTE FUNCTION ${ehe.module_schema}.ehe_pending_after_embedding_truncate();
