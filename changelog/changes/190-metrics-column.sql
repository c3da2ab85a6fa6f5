--liquibase formatted sql

--changeset ehe:190-metrics-column splitStatements:false rollbackSplitStatements:false labels:column logicalFilePath:changelog/changes/190-metrics-column.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'column' THEN 1 ELSE 0 END
--comment: Metrics for Prometheus (issue 25): ${ehe.module_schema}.ehe_metrics_models() (one row, model "(any)": pending from the partial index, backfill progress; queue columns 0) and ${ehe.module_schema}.ehe_metrics_database() (design, ready, semantics match, triggers enabled, sampled drift), read by chart/files/postgres-exporter-queries.yaml; exact, never capped, never a scan of events; a monitoring role needs EXECUTE only.
--
-- How it works, why it is cheap, why it is safe (the same contract as 190-metrics-pending-table.sql):
-- 1. ehe_metrics_column_models() (what ehe_metrics_models() returns here, point 8) gives one row, model "(any)": the column design answers only the seed's
--    question, which names no model. pending_pairs is count(*) of the partial index
--    idx_events_pending_embedding (NOT has_embedding AND payload_text <> ''), an index-only count: exact,
--    never capped, O(pending events), never a scan of events (the functions turn sequential and bitmap
--    scans off, so the planner cannot trade the index for the table). Before that index is valid (the
--    backfill is running) there is no cheap exact answer: pending_pairs and the age are NULL (the
--    exporter shows NaN: unknown, not 0) and filling is 1. The queue columns are 0: this design has
--    no queue (claimable_pairs = pending_pairs, every pending event may be picked).
-- 2. oldest_pending_age_seconds: the index is (organization_id, id), so the same pass gives min(id);
--    that event's events.created_at (one row by primary key, when events has the column; else NULL)
--    stands in for the oldest. 0 when nothing is pending.
-- 3. filling is 1 until NULL rows are proven absent: has_embedding NOT NULL, or the validated CHECK
--    events_has_embedding_not_null (050); counting NULLs would scan events. fill_progress_ratio is the
--    share of events' id range, min(id) - 1 to max(id) (from the primary key), that the backfill's plan
--    (events_has_embedding_backfill, 030) has walked: a walked or done shard counts whole, any other up
--    to its keyset cursor; the furthest plan if several; 1 once filled. An id share: progress, not an
--    exact figure.
-- 4. ehe_metrics_column_database() (ehe_metrics_database()'s row for this design), from the catalog, as `status` decides: triggers_enabled: 020's four
--    statement triggers (060's row triggers where event_embeddings is partitioned) exist and fire in
--    ordinary sessions (tgenabled O or A), and every leaf partition has its enabled copy of each
--    row-level one. semantics_match: 0 when this database is configured for another question than the
--    seed's (the pending-table design's semantics row names a column), which this design cannot answer.
--    ready: all of that, plus events.has_embedding exists and is proven non-NULL (point 3), the index
--    valid, the trigger functions SECURITY DEFINER with a pinned search_path and a non-superuser owner
--    (070), no subscription replicating into events or event_embeddings, and drift_rows = 0.
-- 5. drift_rows is status's sampled drift check (TriggerBypass), its rule with a bound sized for a scrape:
--    the newest 100 events by id plus a window of at most 100 consecutive events by id below them at a
--    random id, on one snapshot; the number whose has_embedding is set and disagrees with an
--    event_embeddings row existing (one index scan for all their ids, = ANY, hash-joined). At most 200
--    events per scrape, read by primary-key ranges: bounded whatever the table's size (the pending-table
--    design's 190, point 5, has the figures and why a window rather than a block sample); over many
--    scrapes it covers the table (verify checks every row). NULL
--    before events.has_embedding exists.
-- 6. Safety (170's rule, as 070 applies it to this design): SECURITY DEFINER, owned by the installing
--    role, or by the NOLOGIN role ehe_definer when the installer is a superuser (never a superuser: the
--    role 070 makes, made here too if missing, with SELECT on events, event_embeddings and the backfill's
--    progress table, and on the pending-table design's semantics table where it exists); search_path
--    pinned to pg_catalog, pg_temp, every object schema-qualified; no argument; they return counts and
--    the module's own states, never a row or an organization. EXECUTE is revoked from PUBLIC: the
--    exporter's role gets GRANT EXECUTE ON FUNCTION ${ehe.module_schema}.ehe_metrics_models(), ${ehe.module_schema}.ehe_metrics_database() TO <role>;
--    and needs nothing else. A one-line GRANT rather than a role-list parameter like 175's: that would
--    need a runOnChange changeSet of its own and a runner option carrying the list on every migrate, for
--    a grant a DBA gives once and that no later migrate takes back (only the rollback drops the functions).
-- 7. lock_timeout = 2s on the functions: a scrape behind a waiting ACCESS EXCLUSIVE (a migration) fails
--    after 2 s instead of queueing. ACCESS SHARE locks only; nothing is written.
--    And jit = off: a scrape's statements count index ranges whose estimated cost passes jit_above_cost
--    on a table of a million rows, and on a server built with LLVM (Debian's, most managed services;
--    jit is on by default) every scrape then compiled its expressions first: measured by hand (the
--    pending-table design's functions; the column design's count an index range the same way) on
--    Debian's PostgreSQL 15 with 2M pairs pending over two targets, ehe_metrics_models() 542-544 ms
--    with jit and 250 ms without (docs/benchmark-notes.md, "JIT"). JitOffTest proves it is off.
-- 8. Both designs can be installed at once (a move between them): each design's figures come from its
--    own functions (ehe_metrics_column_* / ehe_metrics_pending_*), and the two the exporter calls,
--    ehe_metrics_models() and ehe_metrics_database(), are written by both 190 changeSets with the same
--    text (CREATE OR REPLACE keeps the exporter's grant): ehe_metrics_database() returns one row per
--    installed design, ehe_metrics_models() the pending-table design's models while both are installed
--    (a model's series must come from one design). Each rollback drops its own functions, and the two
--    shared ones only when the other design's are gone.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);

-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above, which squawk does not recognise; creating a function is catalog-only
CREATE FUNCTION ${ehe.module_schema}.ehe_metrics_column_models()
RETURNS TABLE (model text, pending_pairs bigint, claimable_pairs bigint, claimed_pairs bigint, backing_off_pairs bigint,
               quarantined_pairs bigint, oldest_pending_age_seconds double precision, filling integer, fill_progress_ratio double precision)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET lock_timeout = '2s' SET jit = off SET enable_seqscan = off SET enable_bitmapscan = off AS $fn$
#variable_conflict use_column
DECLARE
    id_lo     bigint;
    id_hi     bigint;
    filled    boolean;
    n         bigint;
    first_id  bigint;
    age       double precision;
BEGIN
    -- Point 3: NULL rows proven absent by the NOT NULL constraint or the validated CHECK.
    filled := EXISTS (SELECT 1 FROM pg_attribute a
                       WHERE a.attrelid = '${ehe.schema}.events'::regclass AND a.attname = 'has_embedding' AND NOT a.attisdropped AND a.attnotnull)
           OR EXISTS (SELECT 1 FROM pg_constraint k
                       WHERE k.conrelid = '${ehe.schema}.events'::regclass AND k.contype = 'c' AND k.convalidated
                         AND k.conname = 'events_has_embedding_not_null');
    -- Point 1: only through the valid partial index.
    IF EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = to_regclass('${ehe.schema}.idx_events_pending_embedding') AND i.indisvalid) THEN
        -- Static SQL (its plan kept for the session), first analysed when it first runs: only once the index exists.
        SELECT count(*), min(e.id) INTO n, first_id FROM ${ehe.schema}.events e
         WHERE NOT e.has_embedding AND e.payload_text IS NOT NULL AND e.payload_text <> '';
        IF n = 0 THEN
            age := 0;
        ELSIF EXISTS (SELECT 1 FROM pg_attribute a
                       WHERE a.attrelid = '${ehe.schema}.events'::regclass AND a.attname = 'created_at' AND NOT a.attisdropped) THEN
            -- Point 2 (dynamic: events may lack created_at).
            EXECUTE 'SELECT CASE WHEN e.created_at IS NOT NULL THEN greatest(extract(epoch FROM clock_timestamp() - e.created_at::timestamptz)::double precision, 0) END
                       FROM ${ehe.schema}.events e WHERE e.id = $1' INTO age USING first_id;
        END IF;
    END IF;
    model := '(any)';
    pending_pairs := n;
    claimable_pairs := n;
    claimed_pairs := 0;
    backing_off_pairs := 0;
    quarantined_pairs := 0;
    oldest_pending_age_seconds := age;
    filling := CASE WHEN filled THEN 0 ELSE 1 END;
    IF filled THEN
        fill_progress_ratio := 1;
    ELSE
        SELECT min(e.id) - 1, max(e.id) INTO id_lo, id_hi FROM ${ehe.schema}.events e;
        SELECT coalesce(max(least(greatest(b.ratio, 0), 1)), 0) INTO fill_progress_ratio
          FROM (SELECT CASE WHEN sum(w.span) > 0
                            THEN sum(CASE WHEN x.walked OR x.done THEN w.span
                                          ELSE least(greatest(x.last_id - w.first, 0), w.span) END)::double precision / sum(w.span)
                            ELSE 0 END AS ratio
                  FROM ${ehe.module_schema}.events_has_embedding_backfill x
                 CROSS JOIN LATERAL (SELECT greatest(x.range_start, id_lo) AS first,
                                            greatest(least(coalesce(x.range_end, id_hi), id_hi) - greatest(x.range_start, id_lo), 0) AS span) w
                 GROUP BY x.shard_count) b;
    END IF;
    RETURN NEXT;
END
$fn$;

-- squawk-ignore require-lock-timeout, require-statement-timeout -- as above
CREATE FUNCTION ${ehe.module_schema}.ehe_metrics_column_database()
RETURNS TABLE (design text, ready integer, semantics_match integer, triggers_enabled integer, drift_rows bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET lock_timeout = '2s' SET jit = off SET enable_seqscan = off SET enable_bitmapscan = off AS $fn$
#variable_conflict use_column
DECLARE
    names     text[];
    column_ok boolean;
    filled    boolean;
    trig_ok   boolean;
    sem_ok    boolean := true;
    other_ok  boolean;
    drift     bigint;
BEGIN
    -- 060's row triggers replace 020's statement triggers where event_embeddings is partitioned.
    names := CASE WHEN (SELECT c.relkind FROM pg_class c WHERE c.oid = '${ehe.schema}.event_embeddings'::regclass) = 'p'
                  THEN ARRAY['trg_event_embeddings_has_embedding_ins_row', 'trg_event_embeddings_has_embedding_del_row',
                             'trg_event_embeddings_has_embedding_upd_row', 'trg_event_embeddings_has_embedding_trunc']
                  ELSE ARRAY['trg_event_embeddings_has_embedding_ins', 'trg_event_embeddings_has_embedding_del',
                             'trg_event_embeddings_has_embedding_upd', 'trg_event_embeddings_has_embedding_trunc'] END;
    trig_ok := (SELECT count(*) FROM pg_trigger t
                 WHERE t.tgname = ANY (names) AND t.tgparentid = 0 AND t.tgenabled IN ('O', 'A')
                   AND t.tgrelid IN ('${ehe.schema}.events'::regclass, '${ehe.schema}.event_embeddings'::regclass)) = cardinality(names)
       AND NOT EXISTS (
            WITH RECURSIVE roots AS (
                SELECT t.oid, t.tgrelid FROM pg_trigger t
                 WHERE t.tgname = ANY (names) AND t.tgparentid = 0 AND t.tgtype::integer & 1 = 1
                   AND t.tgrelid IN ('${ehe.schema}.events'::regclass, '${ehe.schema}.event_embeddings'::regclass)),
            copies AS (
                SELECT r.oid AS root, t.oid, t.tgrelid, t.tgenabled FROM pg_trigger t JOIN roots r ON t.tgparentid = r.oid
                UNION ALL
                SELECT k.root, t.oid, t.tgrelid, t.tgenabled FROM pg_trigger t JOIN copies k ON t.tgparentid = k.oid)
            SELECT 1 FROM roots r
             CROSS JOIN LATERAL pg_partition_tree(r.tgrelid) l
             WHERE l.isleaf AND l.level > 0
               AND NOT EXISTS (SELECT 1 FROM copies k WHERE k.root = r.oid AND k.tgrelid = l.relid AND k.tgenabled IN ('O', 'A')));

    -- Point 4: another question configured (the pending-table design's semantics, during a move or beside it).
    IF to_regclass('${ehe.module_schema}.event_embedding_pending_semantics') IS NOT NULL THEN
        EXECUTE 'SELECT NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_semantics s
                                     WHERE num_nonnulls(s.model_column, s.chunk_column, s.superseded_column, s.created_column) > 0)'
           INTO sem_ok;
    END IF;

    column_ok := EXISTS (SELECT 1 FROM pg_attribute a
                          WHERE a.attrelid = '${ehe.schema}.events'::regclass AND a.attname = 'has_embedding' AND NOT a.attisdropped);
    filled := EXISTS (SELECT 1 FROM pg_attribute a
                       WHERE a.attrelid = '${ehe.schema}.events'::regclass AND a.attname = 'has_embedding' AND NOT a.attisdropped AND a.attnotnull)
           OR EXISTS (SELECT 1 FROM pg_constraint k
                       WHERE k.conrelid = '${ehe.schema}.events'::regclass AND k.contype = 'c' AND k.convalidated
                         AND k.conname = 'events_has_embedding_not_null');
    other_ok := column_ok AND filled
       AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = to_regclass('${ehe.schema}.idx_events_pending_embedding') AND i.indisvalid)
       AND NOT EXISTS (
            SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_roles r ON r.oid = p.proowner
             WHERE t.tgname = ANY (names) AND t.tgparentid = 0
               AND t.tgrelid IN ('${ehe.schema}.events'::regclass, '${ehe.schema}.event_embeddings'::regclass)
               AND (NOT p.prosecdef OR p.proconfig IS DISTINCT FROM ARRAY['search_path=pg_catalog, pg_temp'] OR r.rolsuper))
       AND NOT EXISTS (
            SELECT 1 FROM pg_subscription b JOIN pg_subscription_rel sr ON sr.srsubid = b.oid
             WHERE b.subdbid = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
               AND sr.srrelid IN ('${ehe.schema}.events'::regclass, '${ehe.schema}.event_embeddings'::regclass));

    -- Point 5: the sampled drift check, status's rule with a scrape's bound (the newest 100 + a window of at most 100 at a random id).
    IF column_ok THEN
        -- Static SQL, so its plan is kept for the session; it is first analysed when it first runs, behind
        -- column_ok, so a database mid-rollback without has_embedding never reaches it.
        WITH b AS MATERIALIZED (
                SELECT (SELECT min(u.id) FROM ${ehe.schema}.events u) AS lo,
                       (SELECT u.id FROM ${ehe.schema}.events u ORDER BY u.id DESC OFFSET 99 LIMIT 1) AS hi),
             z AS MATERIALIZED (
                (SELECT v.id, v.has_embedding FROM ${ehe.schema}.events v ORDER BY v.id DESC LIMIT 100)
                UNION ALL
                (SELECT w.id, w.has_embedding FROM ${ehe.schema}.events w
                  WHERE w.id < (SELECT b.hi FROM b)
                    AND w.id >= (SELECT b.lo + floor(random() * (b.hi - b.lo))::bigint FROM b)
                  ORDER BY w.id LIMIT 100))
        SELECT count(*) INTO drift
          FROM z
          -- One index scan for all sampled events (= ANY of their ids), not a probe per event; an EXISTS here
          -- is planned as a hashed subplan over all of event_embeddings (measured: 0.4 s at 115k events).
          LEFT JOIN (SELECT DISTINCT x.event_id FROM ${ehe.schema}.event_embeddings x
                      WHERE x.event_id = ANY (ARRAY(SELECT z.id FROM z))) x ON x.event_id = z.id
         WHERE z.has_embedding IS NOT NULL AND z.has_embedding IS DISTINCT FROM (x.event_id IS NOT NULL);
    END IF;

    RETURN QUERY SELECT 'column'::text,
        CASE WHEN trig_ok AND sem_ok AND other_ok AND drift = 0 THEN 1 ELSE 0 END,
        CASE WHEN sem_ok THEN 1 ELSE 0 END,
        CASE WHEN trig_ok THEN 1 ELSE 0 END,
        drift;
END
$fn$;

-- squawk-ignore require-lock-timeout, require-statement-timeout -- as above
CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_metrics_models()
RETURNS TABLE (model text, pending_pairs bigint, claimable_pairs bigint, claimed_pairs bigint, backing_off_pairs bigint,
               quarantined_pairs bigint, oldest_pending_age_seconds double precision, filling integer, fill_progress_ratio double precision)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '2s' SET jit = off AS $fn$
BEGIN
    -- Point 8: the installed design's figures; the pending-table design's while a move holds both.
    IF to_regprocedure('${ehe.module_schema}.ehe_metrics_pending_models()') IS NOT NULL THEN
        RETURN QUERY SELECT * FROM ${ehe.module_schema}.ehe_metrics_pending_models();
    ELSIF to_regprocedure('${ehe.module_schema}.ehe_metrics_column_models()') IS NOT NULL THEN
        RETURN QUERY SELECT * FROM ${ehe.module_schema}.ehe_metrics_column_models();
    END IF;
END
$fn$;

-- squawk-ignore require-lock-timeout, require-statement-timeout -- as above
CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_metrics_database()
RETURNS TABLE (design text, ready integer, semantics_match integer, triggers_enabled integer, drift_rows bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '2s' SET jit = off AS $fn$
BEGIN
    -- Point 8: one row per installed design (label design).
    IF to_regprocedure('${ehe.module_schema}.ehe_metrics_column_database()') IS NOT NULL THEN
        RETURN QUERY SELECT * FROM ${ehe.module_schema}.ehe_metrics_column_database();
    END IF;
    IF to_regprocedure('${ehe.module_schema}.ehe_metrics_pending_database()') IS NOT NULL THEN
        RETURN QUERY SELECT * FROM ${ehe.module_schema}.ehe_metrics_pending_database();
    END IF;
END
$fn$;

REVOKE EXECUTE ON FUNCTION ${ehe.module_schema}.ehe_metrics_column_models(), ${ehe.module_schema}.ehe_metrics_column_database(),
    ${ehe.module_schema}.ehe_metrics_models(), ${ehe.module_schema}.ehe_metrics_database() FROM PUBLIC;

-- Point 6, 070's owner rule: a superuser installer hands the functions to ehe_definer, which gets
-- SELECT on what they read besides what 070 gave it.
DO $own$
BEGIN
    IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        BEGIN
            CREATE ROLE ehe_definer NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
        GRANT SELECT ON ${ehe.schema}.events, ${ehe.schema}.event_embeddings, ${ehe.module_schema}.events_has_embedding_backfill TO ehe_definer;
        IF to_regclass('${ehe.module_schema}.event_embedding_pending_semantics') IS NOT NULL THEN
            GRANT SELECT ON ${ehe.module_schema}.event_embedding_pending_semantics TO ehe_definer;
        END IF;
        ALTER FUNCTION ${ehe.module_schema}.ehe_metrics_column_models() OWNER TO ehe_definer;
        ALTER FUNCTION ${ehe.module_schema}.ehe_metrics_column_database() OWNER TO ehe_definer;
        ALTER FUNCTION ${ehe.module_schema}.ehe_metrics_models() OWNER TO ehe_definer;
        ALTER FUNCTION ${ehe.module_schema}.ehe_metrics_database() OWNER TO ehe_definer;
    END IF;
END
$own$;
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; the functions are catalog-only, called only by the exporter
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_metrics_column_database();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_metrics_column_models();
--rollback DO $rb$
--rollback BEGIN
--rollback     -- The exporter's two functions are shared with the other design's 190 (point 8): dropped with the last one.
--rollback     IF to_regprocedure('${ehe.module_schema}.ehe_metrics_pending_models()') IS NULL THEN
--rollback         DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_metrics_database();
--rollback         DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_metrics_models();
--rollback     END IF;
--rollback     IF to_regrole('ehe_definer') IS NOT NULL THEN
--rollback         REVOKE SELECT ON ${ehe.module_schema}.events_has_embedding_backfill FROM ehe_definer;
--rollback         -- The semantics table is the pending-table design's: its definer functions keep their grant (170).
--rollback         IF to_regclass('${ehe.module_schema}.event_embedding_pending_semantics') IS NOT NULL AND to_regprocedure('${ehe.module_schema}.ehe_pending_secure_functions()') IS NULL THEN
--rollback             REVOKE SELECT ON ${ehe.module_schema}.event_embedding_pending_semantics FROM ehe_definer;
--rollback         END IF;
--rollback     END IF;
--rollback END
--rollback $rb$;
