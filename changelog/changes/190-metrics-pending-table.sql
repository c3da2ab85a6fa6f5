--liquibase formatted sql

--changeset ehe:190-metrics-pending-table splitStatements:false rollbackSplitStatements:false labels:pending-table logicalFilePath:changelog/changes/190-metrics-pending-table.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'pending-table' THEN 1 ELSE 0 END
--comment: Metrics for Prometheus (issue 25): ${ehe.module_schema}.ehe_metrics_models() (per target model: pending, claimable, claimed, backing off, quarantined, oldest pending age, filling, fill progress) and ${ehe.module_schema}.ehe_metrics_database() (design, ready, semantics match, triggers enabled, sampled drift), read by chart/files/postgres-exporter-queries.yaml; exact, never capped, never a scan of events; a monitoring role needs EXECUTE only.
--
-- How it works, why it is cheap, why it is safe:
-- 1. ehe_metrics_pending_models() (what ehe_metrics_models() returns, point 8) has ehe_queue_counts()'s
--    figures (180) plus the target's fill state: one row per target model not being removed.
--    pending_pairs comes from ehe_metrics_pending_counts(): each model's count(*) by an index-only range of
--    the (model, created_at, event_id) index, except the model the planner's statistics (pg_stats'
--    most common values) say is over half the pending table, a new model filling after a swap or the
--    only one: that model is every pending row minus those below and above it in the index, and every
--    pending row is counted by a plain count(*), which may use parallel workers and reads the table at
--    about 2.7 times the rows per ms of the filtered count (measured by hand on Debian's PostgreSQL 15,
--    2M pairs: 45 ms for all of them against 61 ms for one model's 1M). The statistics only choose the
--    way; stale or missing ones make it slower, never wrong. The three counts of the subtraction are one
--    statement (one snapshot); the helper is STABLE, so every count it makes shares the calling query's
--    snapshot with the claim figures; and each count is a RETURN QUERY, the one PL/pgSQL statement
--    that may run with parallel workers (a SELECT INTO never does: 127 ms against 81-86 ms for the
--    same count, by hand on the same server);
--    claimed/backing_off/quarantined count the live claim rows that still match the pending row they
--    were made for (180 point 2). A live lease only needs its pair to be pending: the model's live
--    leases' event_ids go into one array, and one index-only scan of the pending table's primary key
--    (= ANY of it) counts the pairs still pending (PostgreSQL 17 reads each leaf page once for all the
--    ids on it: 900 leases, 2,124 buffers probed one by one against 41; the models function 2.7-2.8 ms
--    against 2.0-2.1 ms median by hand there, 2.5 against 2.3 ms on 15, 26k pairs pending). The
--    other states need the pending row's xmin, one primary-key probe and heap fetch per claim row.
--    ehe_queue_counts() hash-joins the whole pending table instead, a second pass over a million pairs
--    on a model swap. claimable is the rest (0 while the model is paused). Every figure is an exact
--    count on the query's one snapshot, never capped, never read from planner statistics (they only
--    choose how pending_pairs is counted). events is never scanned: its primary key gives min(id) and
--    max(id) for the fill progress, and one row by primary key gives the oldest pair's age when the
--    semantics name no created column. Cost: O(pending pairs) for the count, O(claim rows) for the
--    claims, O(targets + fill shards) for the rest; BENCHMARKS.md has it on each backlog.
-- 2. oldest_pending_age_seconds: now - min(created_at) of the model's pending rows (the index's first
--    entry). Where the semantics name no created column the pending rows carry none: the pair with the
--    lowest event_id stands in, aged by events.created_at when events has that column; else NULL (the
--    exporter shows NaN: unknown, not 0). 0 when nothing is pending. The label of the target '' (any
--    model: the seed's question) is "(any)", as in the column design.
-- 3. filling is 1 while the target's state is 'filling' (its pending rows are not yet the whole answer;
--    the fill adds the older events). fill_progress_ratio is the share of events' id range, from
--    min(id) - 1 to max(id), that the running fill plan (event_embedding_pending_bootstrap) has walked:
--    a walked or done shard counts whole, any other up to its keyset cursor. Only a plan that started
--    after the target was added and is not complete covers it (TargetFillStep starts a new plan
--    otherwise), so until then 0; 1 once the target is ready. An id share, not a row count: ids are
--    spread unevenly, so it is progress, not an exact figure (counting the rest would scan events).
-- 4. ehe_metrics_pending_database() (ehe_metrics_database()'s row for this design) answers "is the answer exact now?" the way `status` does, from the catalog:
--    triggers_enabled: the eight triggers of 140 exist on events and event_embeddings and fire in
--    ordinary sessions (tgenabled O or A), and on partitioned tables every leaf has its copy of each
--    row-level trigger enabled and its own TRUNCATE trigger (150). semantics_match: the semantics row
--    exists, every configured column exists, none of the app's optional columns appeared or
--    disappeared since configure, and the generated bodies were written for today's foreign key and
--    targets (170 points 7 and 9). ready: all of that, plus the functions behind the triggers run as a
--    non-superuser owner with a pinned search_path (170), at least one target and none filling or being
--    removed, the partition set unchanged since the last `partitions sync` (160), no subscription
--    replicating into events, event_embeddings or the pending table, and drift_rows = 0.
-- 5. drift_rows is status's sampled drift check (TriggerBypass), its rule with a bound sized for a scrape:
--    the newest 100 events by id (where replicated and restored rows land) plus a window of at most 100
--    consecutive events by id below them, starting at an id drawn uniformly between the lowest and the
--    newest 100's, each compared, per ready target, with the pending table under the configured semantics
--    (the helpers of 140), on one snapshot; the count of (event, target) pairs that disagree. Their
--    embedding and pending rows are read by one index scan each (= ANY of the sampled ids: PostgreSQL 17
--    reads each leaf page once for all the ids on it), not a probe per pair, and hash-joined. At most 200
--    events per scrape, read by primary-key ranges: O(log n), bounded whatever the table's size. A block
--    sample (TABLESAMPLE SYSTEM, what this did before) hashes every block number of the table to choose
--    its blocks, O(table blocks): 0.2 ms at 42k blocks, by hand on PostgreSQL 17; the window and the
--    single scans took the whole database function from 1.5 to 0.74 ms median there (1.5 to 1.0 ms on
--    15), with 1.15M events and 26k pending pairs. A window, not scattered rows, because rows written
--    past the triggers come in runs (an import, a restore, a replica-role session), and each scattered
--    row would be a page of its own to read. The start is uniform over ids, not events: where ids have
--    gaps, the events just above a gap start more windows. status samples 2,500 once; a scrape every 30 s
--    checks about 12,000 other events an hour, so drift away from the newest rows is found within hours,
--    and `verify` checks every row. It is NULL
--    (NaN) when the semantics do not match the tables (the helpers would read a column that is gone):
--    semantics_match and ready already say 0 then.
-- 6. Safety (170's rule for every module function another role calls): SECURITY DEFINER, owned by
--    the installing role, or by ehe_definer when the installer is a superuser (never a superuser:
--    ehe_pending_secure_functions() makes or refreshes that role, and this changeSet adds SELECT on the
--    two tables only these functions read: the fill progress and the partition set); search_path
--    pinned to pg_catalog, pg_temp, every object schema-qualified; no argument, so a caller chooses
--    nothing; they return counts and the module's own states, never a row of events, an organization
--    or an error text. EXECUTE is revoked from PUBLIC: the exporter's role gets
--    GRANT EXECUTE ON FUNCTION ${ehe.module_schema}.ehe_metrics_models(), ${ehe.module_schema}.ehe_metrics_database() TO <role>;
--    and needs nothing else (no SELECT on any table, no pg_monitor). A one-line GRANT rather than a
--    role-list parameter like 175's: that would need a runOnChange changeSet of its own and a runner
--    option to carry the list on every migrate, for a grant a DBA gives once and which no later
--    migrate touches (CREATE OR REPLACE is never used on these functions; only the rollback drops them).
-- 7. A scrape never queues behind a migration: the functions carry lock_timeout = 2s (a SET on the
--    function applies to every lock they wait for), so a scrape behind a waiting ACCESS EXCLUSIVE
--    fails after 2 s (the exporter logs the error and skips that query's metrics) instead of piling up.
--    They take only ACCESS SHARE locks and write nothing.
--    And jit = off: a scrape's statements count index ranges whose estimated cost passes jit_above_cost
--    on a table of a million rows, and on a server built with LLVM (Debian's, most managed services;
--    jit is on by default) every scrape then compiled its expressions first: measured by hand on
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
CREATE FUNCTION ${ehe.module_schema}.ehe_metrics_pending_counts()
RETURNS TABLE (model text, pending_pairs bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET lock_timeout = '2s' SET jit = off SET plan_cache_mode = force_custom_plan AS $fn$
#variable_conflict use_column
DECLARE
    m   text;
    big text;
BEGIN
    -- Point 1: the model the planner's statistics say holds more than half the pending table (none if unknown).
    SELECT v.model INTO big
      FROM pg_stats s
     CROSS JOIN LATERAL unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS v(model, freq)
     WHERE (s.schemaname, s.tablename) = (SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                           WHERE c.oid = '${ehe.module_schema}.event_embedding_pending'::regclass)
       AND s.attname = 'model' AND NOT s.inherited AND v.freq > 0.5;
    FOR m IN SELECT g.model FROM ${ehe.module_schema}.event_embedding_pending_targets g
              WHERE g.state <> 'removing' AND g.model IS DISTINCT FROM big LOOP
        RETURN QUERY SELECT m, count(*) FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.model = m;
    END LOOP;
    IF EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_targets g WHERE g.model = big AND g.state <> 'removing') THEN
        RETURN QUERY SELECT big, (SELECT count(*) FROM ${ehe.module_schema}.event_embedding_pending)
                               - (SELECT count(*) FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.model < big)
                               - (SELECT count(*) FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.model > big);
    END IF;
END
$fn$;

-- squawk-ignore require-lock-timeout, require-statement-timeout -- as above
CREATE FUNCTION ${ehe.module_schema}.ehe_metrics_pending_models()
RETURNS TABLE (model text, pending_pairs bigint, claimable_pairs bigint, claimed_pairs bigint, backing_off_pairs bigint,
               quarantined_pairs bigint, oldest_pending_age_seconds double precision, filling integer, fill_progress_ratio double precision)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '2s' SET jit = off AS $fn$
#variable_conflict use_column
DECLARE
    id_lo     bigint;
    id_hi     bigint;
    has_ctime boolean;
    r         record;
BEGIN
    SELECT min(e.id) - 1, max(e.id) INTO id_lo, id_hi FROM ${ehe.schema}.events e;
    has_ctime := EXISTS (SELECT 1 FROM pg_attribute a
                          WHERE a.attrelid = '${ehe.schema}.events'::regclass AND a.attname = 'created_at' AND NOT a.attisdropped);
    FOR r IN
        -- Point 1: ehe_queue_counts()'s figures: live leases counted by one scan of the pending table's primary key, other claims probing it.
        WITH n AS MATERIALIZED (SELECT clock_timestamp() AS t),
             h AS (
                SELECT g.model,
                       (SELECT count(*) FROM ${ehe.module_schema}.event_embedding_pending p
                         WHERE p.model = g.model
                           AND p.event_id = ANY (ARRAY(SELECT c.event_id FROM ${ehe.module_schema}.event_embedding_pending_claims c
                                                        WHERE c.model = g.model AND c.state = 'claimed' AND c.hidden_until > n.t))) AS claimed,
                       o.backing_off, o.quarantined
                  FROM n, ${ehe.module_schema}.event_embedding_pending_targets g
                 CROSS JOIN LATERAL (
                        SELECT count(*) FILTER (WHERE c.state IN ('backoff', 'released')) AS backing_off,
                               count(*) FILTER (WHERE c.state = 'quarantined') AS quarantined
                          FROM ${ehe.module_schema}.event_embedding_pending_claims c
                         WHERE c.model = g.model AND c.state <> 'claimed' AND c.hidden_until > n.t
                           AND c.pending_xmin = (SELECT p.xmin FROM ${ehe.module_schema}.event_embedding_pending p
                                                  WHERE p.event_id = c.event_id AND p.model = c.model)) o),
             q AS (
                SELECT g.model, k.pending,
                       k.pending - coalesce(h.claimed, 0) - coalesce(h.backing_off, 0) - coalesce(h.quarantined, 0) AS claimable,
                       coalesce(h.claimed, 0) AS claimed, coalesce(h.backing_off, 0) AS backing_off,
                       coalesce(h.quarantined, 0) AS quarantined,
                       extract(epoch FROM n.t - k.oldest)::double precision AS oldest_pending_seconds,
                       CASE WHEN s.paused_until > n.t THEN s.paused_until END AS paused_until
                  FROM n, ${ehe.module_schema}.event_embedding_pending_targets g
                  LEFT JOIN ${ehe.module_schema}.ehe_metrics_pending_counts() k0 ON k0.model = g.model
                 CROSS JOIN LATERAL (SELECT coalesce(k0.pending_pairs, 0) AS pending,
                                            (SELECT p.created_at FROM ${ehe.module_schema}.event_embedding_pending p
                                              WHERE p.model = g.model ORDER BY p.created_at LIMIT 1) AS oldest) k
                  LEFT JOIN h ON h.model = g.model
                  LEFT JOIN ${ehe.module_schema}.event_embedding_pending_queue_settings s ON s.model = g.model
                 WHERE g.state <> 'removing'),
             -- Each fill plan (a shard count): its start, whether complete, the id share it walked (point 3).
             plans AS (
                SELECT b.shard_count, min(b.started_at) AS started,
                       bool_and(b.done) AND count(*) = max(b.shard_count) AS complete,
                       CASE WHEN sum(b.span) > 0 THEN sum(b.covered)::double precision / sum(b.span) ELSE 0 END AS ratio
                  FROM (SELECT x.shard_count, x.started_at, x.done, w.span,
                               CASE WHEN x.walked OR x.done THEN w.span
                                    ELSE least(greatest(x.last_id - w.first, 0), w.span) END AS covered
                          FROM ${ehe.module_schema}.event_embedding_pending_bootstrap x
                         CROSS JOIN LATERAL (SELECT greatest(x.range_start, id_lo) AS first,
                                                    greatest(least(coalesce(x.range_end, id_hi), id_hi) - greatest(x.range_start, id_lo), 0) AS span) w) b
                 GROUP BY b.shard_count)
        SELECT q.model AS m, q.pending, q.claimable, q.claimed, q.backing_off, q.quarantined, q.paused_until,
               q.oldest_pending_seconds AS oldest, t.state,
               coalesce((SELECT max(least(greatest(pl.ratio, 0), 1)) FROM plans pl
                          WHERE NOT pl.complete AND pl.started > t.added_at), 0) AS ratio
          FROM q JOIN ${ehe.module_schema}.event_embedding_pending_targets t ON t.model = q.model
         ORDER BY q.model
    LOOP
        IF r.pending > 0 AND r.oldest IS NULL AND has_ctime THEN
            -- Point 2: no created column configured; the lowest pending event_id stands in (dynamic: events may lack created_at).
            EXECUTE 'SELECT CASE WHEN e.created_at IS NOT NULL THEN greatest(extract(epoch FROM clock_timestamp() - e.created_at::timestamptz)::double precision, 0) END
                       FROM ${ehe.schema}.events e
                      WHERE e.id = (SELECT min(p.event_id) FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.model = $1)'
               INTO r.oldest USING r.m;
        END IF;
        model := CASE WHEN r.m = '' THEN '(any)' ELSE r.m END;
        pending_pairs := r.pending;
        claimable_pairs := CASE WHEN r.paused_until IS NOT NULL THEN 0 ELSE r.claimable END;
        claimed_pairs := r.claimed;
        backing_off_pairs := r.backing_off;
        quarantined_pairs := r.quarantined;
        oldest_pending_age_seconds := CASE WHEN r.pending = 0 THEN 0 WHEN r.oldest IS NULL THEN NULL ELSE greatest(r.oldest, 0) END;
        filling := CASE WHEN r.state = 'filling' THEN 1 ELSE 0 END;
        fill_progress_ratio := CASE WHEN r.state = 'filling' THEN r.ratio ELSE 1 END;
        RETURN NEXT;
    END LOOP;
END
$fn$;

-- squawk-ignore require-lock-timeout, require-statement-timeout -- as above
CREATE FUNCTION ${ehe.module_schema}.ehe_metrics_pending_database()
RETURNS TABLE (design text, ready integer, semantics_match integer, triggers_enabled integer, drift_rows bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '2s' SET jit = off AS $fn$
#variable_conflict use_column
DECLARE
    names     constant text[] := ARRAY['trg_events_pending_targets_ins', 'trg_events_pending_targets_upd',
                                       'trg_events_pending_targets_del', 'trg_events_pending_targets_trunc',
                                       'trg_event_embeddings_pending_targets_ins', 'trg_event_embeddings_pending_targets_del',
                                       'trg_event_embeddings_pending_targets_upd', 'trg_event_embeddings_pending_targets_trunc'];
    s         record;
    trig_ok   boolean;
    sem_ok    boolean;
    other_ok  boolean;
    drift     bigint;
BEGIN
    -- Point 4: the root triggers, then each row-level trigger's copy on every leaf, then each leaf's own TRUNCATE trigger.
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
               AND NOT EXISTS (SELECT 1 FROM copies k WHERE k.root = r.oid AND k.tgrelid = l.relid AND k.tgenabled IN ('O', 'A')))
       AND NOT EXISTS (
            SELECT 1 FROM (VALUES ('${ehe.schema}.events'::regclass, 'trg_events_pending_targets_leaf_trunc'),
                                  ('${ehe.schema}.event_embeddings'::regclass, 'trg_event_embeddings_pending_targets_leaf_trunc')) v(tbl, tg)
             CROSS JOIN LATERAL pg_partition_tree(v.tbl) l
             WHERE l.isleaf AND l.level > 0
               AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = l.relid AND t.tgname = v.tg AND t.tgenabled IN ('O', 'A')));

    -- Point 4: the semantics as configured still describe the tables and the generated bodies.
    SELECT * INTO s FROM ${ehe.module_schema}.event_embedding_pending_semantics;
    sem_ok := FOUND
       AND NOT EXISTS (
            SELECT 1 FROM (VALUES ('${ehe.schema}.event_embeddings'::regclass, s.model_column), ('${ehe.schema}.event_embeddings'::regclass, s.chunk_column),
                                  ('${ehe.schema}.events'::regclass, s.superseded_column), ('${ehe.schema}.events'::regclass, s.created_column)) v(tbl, col)
             WHERE v.col IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = v.tbl AND a.attname = v.col AND NOT a.attisdropped))
       AND NOT EXISTS (
            SELECT 1 FROM (VALUES ('event_embeddings', 'embedding_model'), ('event_embeddings', 'chunk_index'), ('events', 'superseded_by')) v(tbl, col)
             WHERE v.tbl || '.' || v.col NOT IN ('event_embeddings.' || coalesce(s.model_column, ''), 'event_embeddings.' || coalesce(s.chunk_column, ''),
                                                 'events.' || coalesce(s.superseded_column, ''))
               AND (v.tbl || '.' || v.col = ANY (s.columns_seen))
                   IS DISTINCT FROM EXISTS (SELECT 1 FROM pg_attribute a
                                             WHERE a.attrelid = ('${ehe.schema}.' || v.tbl)::regclass AND a.attname = v.col AND NOT a.attisdropped))
       AND coalesce((
            SELECT ((SELECT d.description FROM pg_description d
                      WHERE d.objoid = f.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0) LIKE '%generated for a foreign key%')
                   = EXISTS (SELECT 1 FROM pg_constraint k
                              WHERE k.contype = 'f' AND k.conrelid = '${ehe.schema}.event_embeddings'::regclass
                                AND k.confrelid = '${ehe.schema}.events'::regclass AND k.conparentid = 0
                                AND k.conkey = ARRAY[(SELECT a.attnum FROM pg_attribute a
                                                       WHERE a.attrelid = k.conrelid AND a.attname = 'event_id')])
              FROM pg_proc f WHERE f.oid = to_regprocedure('${ehe.module_schema}.ehe_pending_on_event_insert()')), false)
       AND coalesce((
            SELECT position((SELECT quote_literal(coalesce(array_agg(g.model ORDER BY g.model), '{}')::text) || '::text[]'
                               FROM ${ehe.module_schema}.event_embedding_pending_targets g WHERE g.state <> 'removing') IN f.prosrc) > 0
              FROM pg_proc f WHERE f.oid = to_regprocedure('${ehe.module_schema}.ehe_pending_on_embedding_insert()')), false);

    -- Point 4: the rest of `status`'s conditions: definer functions, targets, partition set, subscriptions.
    other_ok := NOT EXISTS (
            SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_roles r ON r.oid = p.proowner
             WHERE t.tgname = ANY (names) AND t.tgparentid = 0
               AND t.tgrelid IN ('${ehe.schema}.events'::regclass, '${ehe.schema}.event_embeddings'::regclass)
               AND (NOT p.prosecdef OR p.proconfig IS DISTINCT FROM ARRAY['search_path=pg_catalog, pg_temp'] OR r.rolsuper))
       AND EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_targets)
       AND NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_targets g WHERE g.state <> 'ready')
       AND (NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_partitions)
            AND NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.ehe_pending_partitions_now())
            OR NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.ehe_pending_partitions_now() n
                            WHERE NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_partitions r
                                               WHERE r.relid = n.relid AND r.inherits_xid = n.inherits_xid AND r.bound = n.bound))
               AND NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_partitions r
                                WHERE NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.ehe_pending_partitions_now() n
                                                   WHERE r.relid = n.relid AND r.inherits_xid = n.inherits_xid AND r.bound = n.bound)))
       AND NOT EXISTS (
            SELECT 1 FROM pg_subscription b JOIN pg_subscription_rel sr ON sr.srsubid = b.oid
             WHERE b.subdbid = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
               AND sr.srrelid IN ('${ehe.schema}.events'::regclass, '${ehe.schema}.event_embeddings'::regclass, '${ehe.module_schema}.event_embedding_pending'::regclass));

    -- Point 5: the sampled drift check, status's rule with a scrape's bound (the newest 100 + a window of at most 100 at a random id).
    IF sem_ok THEN
        BEGIN
            WITH b AS MATERIALIZED (
                    SELECT (SELECT min(u.id) FROM ${ehe.schema}.events u) AS lo,
                           (SELECT u.id FROM ${ehe.schema}.events u ORDER BY u.id DESC OFFSET 99 LIMIT 1) AS hi),
                 z AS MATERIALIZED (
                    SELECT e.id, ${ehe.module_schema}.ehe_pending_event_live(e) AS live
                      FROM ((SELECT * FROM ${ehe.schema}.events v ORDER BY v.id DESC LIMIT 100)
                            UNION ALL
                            (SELECT * FROM ${ehe.schema}.events w
                              WHERE w.id < (SELECT b.hi FROM b)
                                AND w.id >= (SELECT b.lo + floor(random() * (b.hi - b.lo))::bigint FROM b)
                              ORDER BY w.id LIMIT 100)) e)
            SELECT count(*) INTO drift
              FROM z
              JOIN ${ehe.module_schema}.event_embedding_pending_targets g ON g.state = 'ready'
              -- One index scan per table for all sampled events (= ANY of their ids), not a probe per pair.
              LEFT JOIN (SELECT DISTINCT x.event_id, ${ehe.module_schema}.ehe_pending_counted_model(x) AS model
                           FROM ${ehe.schema}.event_embeddings x
                          WHERE x.event_id = ANY (ARRAY(SELECT z.id FROM z))) x ON x.event_id = z.id AND x.model = g.model
              LEFT JOIN (SELECT p.event_id, p.model FROM ${ehe.module_schema}.event_embedding_pending p
                          WHERE p.event_id = ANY (ARRAY(SELECT z.id FROM z))) p ON p.event_id = z.id AND p.model = g.model
             WHERE (z.live AND x.event_id IS NULL) IS DISTINCT FROM (p.event_id IS NOT NULL);
        EXCEPTION WHEN undefined_column OR undefined_function OR undefined_table THEN
            drift := NULL;
        END;
    END IF;

    RETURN QUERY SELECT 'pending-table'::text,
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

REVOKE EXECUTE ON FUNCTION ${ehe.module_schema}.ehe_metrics_pending_counts(), ${ehe.module_schema}.ehe_metrics_pending_models(), ${ehe.module_schema}.ehe_metrics_pending_database(),
    ${ehe.module_schema}.ehe_metrics_models(), ${ehe.module_schema}.ehe_metrics_database() FROM PUBLIC;

-- Point 6, 170's owner rule: a superuser installer hands the functions to ehe_definer (made or refreshed
-- by ehe_pending_secure_functions()), which also gets SELECT on the two tables only they read.
DO $own$
DECLARE
    runs_as name := ${ehe.module_schema}.ehe_pending_secure_functions();
BEGIN
    IF runs_as <> current_user THEN
        EXECUTE format('GRANT SELECT ON ${ehe.module_schema}.event_embedding_pending_bootstrap, ${ehe.module_schema}.event_embedding_pending_partitions TO %I', runs_as);
        EXECUTE format('ALTER FUNCTION ${ehe.module_schema}.ehe_metrics_pending_counts() OWNER TO %I', runs_as);
        EXECUTE format('ALTER FUNCTION ${ehe.module_schema}.ehe_metrics_pending_models() OWNER TO %I', runs_as);
        EXECUTE format('ALTER FUNCTION ${ehe.module_schema}.ehe_metrics_pending_database() OWNER TO %I', runs_as);
        EXECUTE format('ALTER FUNCTION ${ehe.module_schema}.ehe_metrics_models() OWNER TO %I', runs_as);
        EXECUTE format('ALTER FUNCTION ${ehe.module_schema}.ehe_metrics_database() OWNER TO %I', runs_as);
    END IF;
END
$own$;
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; the functions are catalog-only, called only by the exporter
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_metrics_pending_database();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_metrics_pending_models();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_metrics_pending_counts();
--rollback DO $rb$
--rollback BEGIN
--rollback     -- The exporter's two functions are shared with the other design's 190 (point 8): dropped with the last one.
--rollback     IF to_regprocedure('${ehe.module_schema}.ehe_metrics_column_models()') IS NULL THEN
--rollback         DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_metrics_database();
--rollback         DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_metrics_models();
--rollback     END IF;
--rollback     IF to_regrole('ehe_definer') IS NOT NULL THEN
--rollback         REVOKE SELECT ON ${ehe.module_schema}.event_embedding_pending_bootstrap, ${ehe.module_schema}.event_embedding_pending_partitions FROM ehe_definer;
--rollback     END IF;
--rollback END
--rollback $rb$;
