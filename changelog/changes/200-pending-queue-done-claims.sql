--liquibase formatted sql

--changeset ehe:200-pending-queue-done-claims splitStatements:false rollbackSplitStatements:false labels:pending-table logicalFilePath:changelog/changes/200-pending-queue-done-claims.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'pending-table' THEN 1 ELSE 0 END
--comment: A pair that is done takes its claim row with it (a trigger on the pending table's deletes made inside the module's triggers, never waiting: SKIP LOCKED), so the claims table holds only what hides something (leases in flight, backoff, quarantine); ehe_queue_claim()'s discovery then reads that hidden set once into two arrays and scans the newest pairs index-only, instead of probing the claims table and the pending row's heap tuple for each of the newest K (issue 27: claim p95 on the model-swap backlog). Changes 180 point 1 (argued here); the pending table's membership, the app's statements on its re-embed, supersede and insert paths, and every other rule of 180 are unchanged.
--
-- How it works, and why it stays exact and adds no wait to the app's writers (180's points amended):
-- 1. Why: every discovery that reads the model's hidden set read the done pairs too, because 180 kept a
--    claim row until ehe_queue_sweep() (every 5 minutes): on a busy queue that is most of the claims
--    table (98k rows at scale 1.0, 8 workers), and the discovery cost grew with it (claim p95 15.6 ms,
--    docs/scheduler-on-claims.md). Removing the row when the pair is done makes the hidden set what its
--    name says: in-flight leases, pairs backing off or released, quarantined pairs.
-- 2. When: a row trigger AFTER DELETE ON the pending table, WHEN (pg_trigger_depth() > 0): it fires for
--    a pending row deleted by one of the module's own triggers, i.e. by the app's write that made the
--    pair done (its first counting embedding, or its event dead: superseded, emptied, deleted). Deletes
--    the module's commands make themselves (targets remove, verify --repair, rollback) run at depth 0:
--    they are not slowed row by row and leave their claim rows to the sweep, as before.
-- 3. What it changes in 180's rules (point 1 said no trigger writes the claims table): a claim row of a
--    done pair matched no pending row (180 point 2) except a live lease, which hid a pair that came back
--    while it lasted. Now the lease ends with the pair, so a pair that comes back is claimable at once,
--    with fresh attempts, as 180 point 2 already says of any pair that leaves and comes back; its former
--    holder's token holds nothing (fail, extend and release change nothing, 180 point 6). The in-place
--    exception of 180 point 2 stands: an UPDATE of a pending row (organization or creation time changed)
--    deletes nothing. One case loses a lease early: an event row moved to another partition (150 point 2
--    deletes and re-adds its pending rows in the app's transaction), so a second worker may claim the
--    pair while the first still embeds it: both write the app's embedding, no pair is held by two live
--    leases, and the pending table is exact either way.
-- 4. No wait for the app: the trigger locks the claim row FOR UPDATE SKIP LOCKED and deletes it only if
--    it got the lock. A claim row locked by a claim, extend, fail or release in progress is left for the
--    sweep (180's rule for rows that match nothing), so the app's transaction waits for nothing it did
--    not wait for before (180 point 7 holds: no cycle can include the app's writers). The other way
--    round, a claim, extend, fail or release meeting a claim row an open app transaction deleted waits
--    for that transaction's end: only for a pair the app is finishing right then (its lease ran out, or
--    the app wrote it outside the queue), bounded by the app's transaction, and the app never waits for
--    them, so no cycle.
-- 5. Cost on the app's paths: nothing new runs unless a pending row is deleted, so the app's re-embed
--    (its pair is not pending), supersede and single-row event insert (issue 24's write paths) run the
--    same statements as before; the first embedding of a pending pair pays one primary-key probe of the
--    claims table (and a delete where the pair was claimed). SECURITY DEFINER, search_path pinned,
--    owned like every module function (170 point 1, ehe_pending_secure_functions()).
-- 6. The discovery reads the claim rows of the model that hide something at time t (hidden_until > t)
--    once, through an index on (model), into two arrays of event_ids: live leases (state claimed),
--    which hide their pair whatever the pending row's xmin, and the rest (backoff, released,
--    quarantined), which hide only the pending row they were made for (180 point 2). A scan of the whole
--    claims table read its free space too (15 MB after a throughput run: claim p95 doubled in the churn
--    that followed). model never changes after a claim row's insert, so its updates stay HOT (180's
--    bloat argument holds). The newest-first scan of the (model, created_at, event_id)
--    INCLUDE (organization_id) index then needs no heap tuple: a pair whose event_id is in neither array
--    is claimable; in the live array it is hidden; in the other the claim row and the pending row's xmin
--    are looked up, as 180 did for every pair, so a pair that left and came back is claimable again.
--    Cost O(hidden claim rows) + O(K) index entries (180: K claims probes and K heap fetches).
-- 7. The arrays are read in their own statement, so a claim committed between it and the scan is not
--    in them: its pairs may still count for their organization's rank in this one discovery. That only
--    ranks; the pick that follows filters on its own snapshot, try-locks and re-checks every pair in the
--    claim rows' upsert (180 point 4), so no pair is ever handed out twice. 180's single statement had
--    the same window between its snapshot and the pick. Planning sees the arrays as constants
--    (force_custom_plan), so the executor hashes them (PostgreSQL 14+) instead of comparing every pair
--    with every id; a model with 10k pairs in backoff hashes 10k ids once per claim.
-- 8. jit = off on ehe_queue_claim and on 180's ehe_queue_counts() and ehe_queue_sweep() (the calls a
--    scheduler, a scrape or a timer makes): their statements read a LIMIT's worth of rows or count an
--    index range, yet the planner's estimates pass jit_above_cost on a large backlog (the discovery's
--    per-row filter over a million-pair index; enable_sort = off adds its disable cost to the top-1
--    sort and so passes jit_inline_above_cost and jit_optimize_above_cost too). On a server built with
--    LLVM (Debian's, most managed services; jit is on by default) every claim compiled its plan first:
--    measured by hand on Debian's PostgreSQL 15 with a model's 1.03M pairs pending, 74-75 ms per
--    claim of 100 with jit (about 110 ms compiling in one auto_explain) and 2.8-2.9 ms without;
--    ehe_queue_counts() 387-390 against 247-250 ms (docs/benchmark-notes.md, "JIT"). The bench's
--    embedded server has no JIT provider, so no bench run showed it.
--    JitOffTest runs them on Debian's PostgreSQL with every jit threshold at 0.
-- ehe_queue_claim keeps 180's owner (CREATE OR REPLACE keeps owner and grants), signature, SECURITY
-- DEFINER and pinned search_path. The rollback drops the trigger and its function and puts 180's claim back.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);

-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above, which squawk does not recognise; creating a function is catalog-only
CREATE FUNCTION ${ehe.module_schema}.ehe_queue_on_pending_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
-- Point 4: the claim row is deleted only if its lock is free now; a busy one is the sweep's.
BEGIN
    PERFORM 1 FROM ${ehe.module_schema}.event_embedding_pending_claims q
      WHERE q.event_id = OLD.event_id AND q.model = OLD.model
        FOR UPDATE SKIP LOCKED;
    IF FOUND THEN
        DELETE FROM ${ehe.module_schema}.event_embedding_pending_claims q
         WHERE q.event_id = OLD.event_id AND q.model = OLD.model;
    END IF;
    RETURN NULL;
END
$fn$;
REVOKE EXECUTE ON FUNCTION ${ehe.module_schema}.ehe_queue_on_pending_delete() FROM PUBLIC;

-- squawk-ignore require-concurrent-index-creation, require-lock-timeout, require-statement-timeout -- the queue's own side table (a few MB: its rows are only what hides something, plus what the sweep has not deleted yet), built in this changeSet's transaction under the lock_timeout set above; only the queue's functions wait, milliseconds
CREATE INDEX event_embedding_pending_claims_model_idx ON ${ehe.module_schema}.event_embedding_pending_claims (model);

-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above, which squawk does not recognise; SHARE ROW EXCLUSIVE on the module's own table for a catalog change
CREATE TRIGGER trg_event_embedding_pending_done_claims
    AFTER DELETE ON ${ehe.module_schema}.event_embedding_pending
    FOR EACH ROW WHEN (pg_trigger_depth() > 0) EXECUTE FUNCTION ${ehe.module_schema}.ehe_queue_on_pending_delete();

-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above, which squawk does not recognise; replacing a function is catalog-only
CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_queue_claim(target_model text, max_pairs integer, lease_seconds double precision,
                                       organization text DEFAULT NULL, newest integer DEFAULT 5000)
RETURNS TABLE (event_id bigint, organization_id text, attempt integer, claim_token uuid, lease_until timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_custom_plan
    SET enable_bitmapscan = off SET enable_seqscan = off SET enable_sort = off SET jit = off AS $fn$
-- enable_bitmapscan and enable_seqscan off: the hidden set is read by a plain index scan of the (model)
-- index, which marks the entries of deleted claim rows dead in the index as it passes them, so the next
-- claim skips them. A bitmap scan never marks them and read the heap page of every row deleted since the
-- last vacuum (measured: 35k entries, 684 heap pages, 2.6 ms for 900 hidden rows); a scan of the table
-- reads its free space (one model holds most claim rows on a model swap, so the planner may prefer it).
-- Every other statement here reads at most a LIMIT's worth of rows through an index anyway.
-- enable_sort off: the discovery counts its 5,000 pairs per organization in a hash (a few dozen groups)
-- instead of sorting them first (measured: discovery 3.3 -> 2.2 ms at scale 0.1); the final top-1 still
-- sorts (nothing else can), and the pick and the upsert read in index order.
-- OFFSET 0 in the pick's NOT EXISTS keeps it a per-row probe of the claims table's primary key: as an
-- anti-join, a stale row estimate of the claims table made the planner pick a nested loop over all of
-- it (measured: 6.8M comparisons, 2 s, for 2,500 pending pairs). The discovery reads its hidden pairs
-- into two arrays instead (200 points 6 and 7).
-- force_custom_plan: after five calls PL/pgSQL may keep a generic plan, which cannot see that one
-- model holds most rows nor that LIMIT is small, and sorts the model's whole backlog (measured:
-- claim p95 0.7 s instead of milliseconds on a 106k-pair backlog); a custom plan also makes the
-- discovery's arrays constants, which the executor hashes (PostgreSQL 14+). That holds for the
-- discovery and the pick only: the settings read, the hidden-set read and the upsert look rows up by
-- key or by the (model) index whatever the values, so they switch to force_generic_plan (set_config,
-- undone with the function's own SET when it returns) and are planned once per session instead of on
-- every call (measured by hand, Debian's PostgreSQL 15, 1.03M pairs pending, 3 x 40 claims
-- alternating: 3.02-3.14 ms per claim with every statement custom, 2.78-2.84 ms with the three generic).
#variable_conflict use_column
DECLARE
    t     timestamptz := clock_timestamp();
    s     record;
    org   text := organization;
    live  bigint[];
    other bigint[];
    tok   uuid := gen_random_uuid();
    lease interval;
    want  integer := max_pairs;
    cand  bigint[];
    got   bigint[];
    att   integer[];
    n_q   integer;
    round integer := 0;
BEGIN
    PERFORM set_config('plan_cache_mode', 'force_generic_plan', true);
    -- 180's shared check and settings (written out in one statement for a while: no gain measurable once
    -- this statement runs on a generic plan, 3 x 40 claims alternating on PostgreSQL 15).
    PERFORM ${ehe.module_schema}.ehe_queue_check_target('ehe_queue_claim', target_model);
    SELECT * INTO s FROM ${ehe.module_schema}.ehe_queue_settings(target_model);
    IF max_pairs IS NULL OR max_pairs < 1 OR max_pairs > 1000 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('ehe_queue_claim: max_pairs must be 1..1000, got %s', coalesce(max_pairs::text, 'NULL'));
    END IF;
    IF lease_seconds IS NULL OR NOT (lease_seconds > 0 AND lease_seconds <= 86400) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('ehe_queue_claim: lease_seconds must be in (0, 86400], got %s', coalesce(lease_seconds::text, 'NULL'));
    END IF;
    IF newest IS NULL OR newest < 1 OR newest > 1000000 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('ehe_queue_claim: newest must be 1..1000000, got %s', coalesce(newest::text, 'NULL'));
    END IF;
    lease := make_interval(secs => lease_seconds);
    IF s.paused_until IS NOT NULL AND s.paused_until > t THEN
        RETURN;
    END IF;
    IF org IS NULL THEN
        -- 200 point 6: the hidden pairs of the model, read once: live leases hide their pair whatever its xmin;
        -- the others (backoff, released, quarantined) only the pending row they were made for (180 point 2).
        SELECT coalesce(array_agg(q.event_id) FILTER (WHERE q.state = 'claimed'), '{}'),
               coalesce(array_agg(q.event_id) FILTER (WHERE q.state <> 'claimed'), '{}')
          INTO live, other
          FROM ${ehe.module_schema}.event_embedding_pending_claims q
         WHERE q.model = target_model AND q.hidden_until > t;
        PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
        -- 200 point 6: an index-only newest-first scan; a pair is looked up only where its event_id is hidden.
        SELECT c.organization_id INTO org
          FROM (SELECT p.organization_id FROM ${ehe.module_schema}.event_embedding_pending p
                 WHERE p.model = target_model
                   AND CASE WHEN p.event_id = ANY (live) THEN false
                            WHEN p.event_id = ANY (other) THEN NOT EXISTS (
                                 SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_claims q
                                  WHERE q.event_id = p.event_id AND q.model = target_model AND q.hidden_until > t
                                    AND (q.state = 'claimed'
                                         OR q.pending_xmin = (SELECT x.xmin FROM ${ehe.module_schema}.event_embedding_pending x
                                                               WHERE x.event_id = p.event_id AND x.model = target_model)))
                            ELSE true END
                 ORDER BY p.created_at DESC, p.event_id DESC
                 LIMIT newest) c
         GROUP BY c.organization_id
         ORDER BY count(*) DESC, c.organization_id
         LIMIT 1;
        IF org IS NULL THEN
            RETURN;
        END IF;
    END IF;
    LOOP
        round := round + 1;
        PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
        SELECT array_agg(k.event_id ORDER BY k.event_id) INTO cand
          FROM (SELECT c.event_id
                  FROM (SELECT p.event_id FROM ${ehe.module_schema}.event_embedding_pending p
                         WHERE p.model = target_model AND p.organization_id = org
                           AND NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_claims q
                                            WHERE q.event_id = p.event_id AND q.model = p.model AND q.hidden_until > t
                                              AND (q.state = 'claimed' OR q.pending_xmin = p.xmin)
                                            OFFSET 0)
                         ORDER BY p.created_at DESC, p.event_id DESC) c
                 WHERE pg_try_advisory_xact_lock(1701340467, ${ehe.module_schema}.ehe_pending_target_key(c.event_id, target_model))
                 LIMIT want) k;
        IF cand IS NULL THEN
            RETURN;
        END IF;
        PERFORM set_config('plan_cache_mode', 'force_generic_plan', true);
        WITH up AS (
            INSERT INTO ${ehe.module_schema}.event_embedding_pending_claims AS q
                   (event_id, model, pending_xmin, state, attempts, token, claimed_at, hidden_until, updated_at)
            SELECT p.event_id, p.model, p.xmin, 'claimed', 1, tok, t, t + lease, t
              FROM ${ehe.module_schema}.event_embedding_pending p
             WHERE p.model = target_model AND p.event_id = ANY (cand)
             ORDER BY p.event_id
            ON CONFLICT ON CONSTRAINT event_embedding_pending_claims_pkey DO UPDATE
               SET state = CASE WHEN q.pending_xmin = EXCLUDED.pending_xmin AND q.state = 'claimed' AND q.attempts >= s.max_attempts
                                THEN 'quarantined' ELSE 'claimed' END,
                   attempts = CASE WHEN q.pending_xmin <> EXCLUDED.pending_xmin THEN 1
                                   WHEN q.state = 'claimed' AND q.attempts >= s.max_attempts THEN q.attempts
                                   ELSE q.attempts + 1 END,
                   hidden_until = CASE WHEN q.pending_xmin = EXCLUDED.pending_xmin AND q.state = 'claimed' AND q.attempts >= s.max_attempts
                                       THEN 'infinity'::timestamptz ELSE EXCLUDED.hidden_until END,
                   last_error = CASE WHEN q.pending_xmin <> EXCLUDED.pending_xmin THEN NULL
                                     WHEN q.state = 'claimed' THEN format('lease expired (attempt %s)', q.attempts)
                                     ELSE q.last_error END,
                   last_failed_at = CASE WHEN q.pending_xmin <> EXCLUDED.pending_xmin THEN NULL
                                         WHEN q.state = 'claimed' THEN q.hidden_until
                                         ELSE q.last_failed_at END,
                   pending_xmin = EXCLUDED.pending_xmin,
                   token = EXCLUDED.token,
                   claimed_at = EXCLUDED.claimed_at,
                   updated_at = EXCLUDED.updated_at
             WHERE q.hidden_until <= t OR (q.state <> 'claimed' AND q.pending_xmin <> EXCLUDED.pending_xmin)
            RETURNING q.event_id, q.state, q.attempts)
        SELECT array_agg(u.event_id ORDER BY u.event_id) FILTER (WHERE u.state = 'claimed'),
               array_agg(u.attempts ORDER BY u.event_id) FILTER (WHERE u.state = 'claimed'),
               count(*) FILTER (WHERE u.state = 'quarantined')
          INTO got, att, n_q
          FROM up u;
        IF got IS NOT NULL THEN
            RETURN QUERY SELECT g.e, org, g.a, tok, t + lease FROM unnest(got, att) g(e, a);
            want := want - cardinality(got);
        END IF;
        -- Pairs quarantined here took places in this round: look again, a bounded number of times.
        EXIT WHEN n_q = 0 OR want <= 0 OR round >= 10;
    END LOOP;
END
$fn$;
-- The owner rule of changeSet 170 (point 1) for the new trigger function.
SELECT ${ehe.module_schema}.ehe_pending_secure_functions();
-- Point 8 for 180's two functions that read a whole backlog or claims table (catalog-only, no table lock).
-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; a function's setting, catalog-only
ALTER FUNCTION ${ehe.module_schema}.ehe_queue_counts() SET jit = off;
-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; a function's setting, catalog-only
ALTER FUNCTION ${ehe.module_schema}.ehe_queue_sweep(integer) SET jit = off;
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; a function's setting, catalog-only
--rollback ALTER FUNCTION ${ehe.module_schema}.ehe_queue_counts() RESET jit;
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; a function's setting, catalog-only
--rollback ALTER FUNCTION ${ehe.module_schema}.ehe_queue_sweep(integer) RESET jit;
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; a trigger of the module's own table, catalog-only
--rollback DROP TRIGGER IF EXISTS trg_event_embedding_pending_done_claims ON ${ehe.module_schema}.event_embedding_pending;
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_queue_on_pending_delete();
--rollback -- squawk-ignore require-concurrent-index-deletion, require-lock-timeout, require-statement-timeout -- the queue's own side table, lock_timeout set above
--rollback DROP INDEX IF EXISTS ${ehe.module_schema}.event_embedding_pending_claims_model_idx;
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; replacing a function is catalog-only
--rollback CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_queue_claim(target_model text, max_pairs integer, lease_seconds double precision,
--rollback                                        organization text DEFAULT NULL, newest integer DEFAULT 5000)
--rollback RETURNS TABLE (event_id bigint, organization_id text, attempt integer, claim_token uuid, lease_until timestamptz)
--rollback LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_custom_plan AS $fn$
--rollback -- OFFSET 0 in the NOT EXISTS keeps it a per-row probe of the claims table's primary key in the
--rollback -- newest-first scan: as an anti-join, a stale row estimate of the claims table (just emptied by the
--rollback -- sweep, or analyzed before a burst) made the planner pick a nested loop over all of it (measured: 6.8M
--rollback -- comparisons, 2 s, for 2,500 pending pairs).
--rollback -- force_custom_plan: after five calls PL/pgSQL may keep a generic plan, which cannot see that one
--rollback -- model holds most rows nor that LIMIT is small, and sorts the model's whole backlog (measured:
--rollback -- claim p95 0.7 s instead of milliseconds on a 106k-pair backlog).
--rollback #variable_conflict use_column
--rollback DECLARE
--rollback     t     timestamptz := clock_timestamp();
--rollback     s     record;
--rollback     org   text := organization;
--rollback     tok   uuid := gen_random_uuid();
--rollback     lease interval;
--rollback     want  integer := max_pairs;
--rollback     cand  bigint[];
--rollback     got   bigint[];
--rollback     att   integer[];
--rollback     n_q   integer;
--rollback     round integer := 0;
--rollback BEGIN
--rollback     PERFORM ${ehe.module_schema}.ehe_queue_check_target('ehe_queue_claim', target_model);
--rollback     IF max_pairs IS NULL OR max_pairs < 1 OR max_pairs > 1000 THEN
--rollback         RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('ehe_queue_claim: max_pairs must be 1..1000, got %s', coalesce(max_pairs::text, 'NULL'));
--rollback     END IF;
--rollback     IF lease_seconds IS NULL OR NOT (lease_seconds > 0 AND lease_seconds <= 86400) THEN
--rollback         RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('ehe_queue_claim: lease_seconds must be in (0, 86400], got %s', coalesce(lease_seconds::text, 'NULL'));
--rollback     END IF;
--rollback     IF newest IS NULL OR newest < 1 OR newest > 1000000 THEN
--rollback         RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('ehe_queue_claim: newest must be 1..1000000, got %s', coalesce(newest::text, 'NULL'));
--rollback     END IF;
--rollback     lease := make_interval(secs => lease_seconds);
--rollback     SELECT * INTO s FROM ${ehe.module_schema}.ehe_queue_settings(target_model);
--rollback     IF s.paused_until IS NOT NULL AND s.paused_until > t THEN
--rollback         RETURN;
--rollback     END IF;
--rollback     IF org IS NULL THEN
--rollback         SELECT c.organization_id INTO org
--rollback           FROM (SELECT p.organization_id FROM ${ehe.module_schema}.event_embedding_pending p
--rollback                  WHERE p.model = target_model
--rollback                    AND NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_claims q
--rollback                                     WHERE q.event_id = p.event_id AND q.model = p.model AND q.hidden_until > t
--rollback                                       AND (q.state = 'claimed' OR q.pending_xmin = p.xmin)
--rollback                                     OFFSET 0)
--rollback                  ORDER BY p.created_at DESC, p.event_id DESC
--rollback                  LIMIT newest) c
--rollback          GROUP BY c.organization_id
--rollback          ORDER BY count(*) DESC, c.organization_id
--rollback          LIMIT 1;
--rollback         IF org IS NULL THEN
--rollback             RETURN;
--rollback         END IF;
--rollback     END IF;
--rollback     LOOP
--rollback         round := round + 1;
--rollback         SELECT array_agg(k.event_id ORDER BY k.event_id) INTO cand
--rollback           FROM (SELECT c.event_id
--rollback                   FROM (SELECT p.event_id FROM ${ehe.module_schema}.event_embedding_pending p
--rollback                          WHERE p.model = target_model AND p.organization_id = org
--rollback                            AND NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_claims q
--rollback                                             WHERE q.event_id = p.event_id AND q.model = p.model AND q.hidden_until > t
--rollback                                               AND (q.state = 'claimed' OR q.pending_xmin = p.xmin)
--rollback                                             OFFSET 0)
--rollback                          ORDER BY p.created_at DESC, p.event_id DESC) c
--rollback                  WHERE pg_try_advisory_xact_lock(1701340467, ${ehe.module_schema}.ehe_pending_target_key(c.event_id, target_model))
--rollback                  LIMIT want) k;
--rollback         IF cand IS NULL THEN
--rollback             RETURN;
--rollback         END IF;
--rollback         WITH up AS (
--rollback             INSERT INTO ${ehe.module_schema}.event_embedding_pending_claims AS q
--rollback                    (event_id, model, pending_xmin, state, attempts, token, claimed_at, hidden_until, updated_at)
--rollback             SELECT p.event_id, p.model, p.xmin, 'claimed', 1, tok, t, t + lease, t
--rollback               FROM ${ehe.module_schema}.event_embedding_pending p
--rollback              WHERE p.model = target_model AND p.event_id = ANY (cand)
--rollback              ORDER BY p.event_id
--rollback             ON CONFLICT ON CONSTRAINT event_embedding_pending_claims_pkey DO UPDATE
--rollback                SET state = CASE WHEN q.pending_xmin = EXCLUDED.pending_xmin AND q.state = 'claimed' AND q.attempts >= s.max_attempts
--rollback                                 THEN 'quarantined' ELSE 'claimed' END,
--rollback                    attempts = CASE WHEN q.pending_xmin <> EXCLUDED.pending_xmin THEN 1
--rollback                                    WHEN q.state = 'claimed' AND q.attempts >= s.max_attempts THEN q.attempts
--rollback                                    ELSE q.attempts + 1 END,
--rollback                    hidden_until = CASE WHEN q.pending_xmin = EXCLUDED.pending_xmin AND q.state = 'claimed' AND q.attempts >= s.max_attempts
--rollback                                        THEN 'infinity'::timestamptz ELSE EXCLUDED.hidden_until END,
--rollback                    last_error = CASE WHEN q.pending_xmin <> EXCLUDED.pending_xmin THEN NULL
--rollback                                      WHEN q.state = 'claimed' THEN format('lease expired (attempt %s)', q.attempts)
--rollback                                      ELSE q.last_error END,
--rollback                    last_failed_at = CASE WHEN q.pending_xmin <> EXCLUDED.pending_xmin THEN NULL
--rollback                                          WHEN q.state = 'claimed' THEN q.hidden_until
--rollback                                          ELSE q.last_failed_at END,
--rollback                    pending_xmin = EXCLUDED.pending_xmin,
--rollback                    token = EXCLUDED.token,
--rollback                    claimed_at = EXCLUDED.claimed_at,
--rollback                    updated_at = EXCLUDED.updated_at
--rollback              WHERE q.hidden_until <= t OR (q.state <> 'claimed' AND q.pending_xmin <> EXCLUDED.pending_xmin)
--rollback             RETURNING q.event_id, q.state, q.attempts)
--rollback         SELECT array_agg(u.event_id ORDER BY u.event_id) FILTER (WHERE u.state = 'claimed'),
--rollback                array_agg(u.attempts ORDER BY u.event_id) FILTER (WHERE u.state = 'claimed'),
--rollback                count(*) FILTER (WHERE u.state = 'quarantined')
--rollback           INTO got, att, n_q
--rollback           FROM up u;
--rollback         IF got IS NOT NULL THEN
--rollback             RETURN QUERY SELECT g.e, org, g.a, tok, t + lease FROM unnest(got, att) g(e, a);
--rollback             want := want - cardinality(got);
--rollback         END IF;
--rollback         -- Pairs quarantined here took places in this round: look again, a bounded number of times.
--rollback         EXIT WHEN n_q = 0 OR want <= 0 OR round >= 10;
--rollback     END LOOP;
--rollback END
--rollback $fn$;
