--liquibase formatted sql

--changeset ehe:180-pending-queue splitStatements:false rollbackSplitStatements:false labels:pending-table logicalFilePath:changelog/changes/180-pending-queue.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'pending-table' THEN 1 ELSE 0 END
--comment: The pending table as the scheduler's work queue (issue 27): claims with a committed lease and a token, attempts, exponential backoff with jitter, quarantine, a paused model, fair discovery; in a side table keyed (event, model), so the pending table's membership and the triggers of 140/150 are unchanged.
--
-- How it works, and why it is exact and adds nothing to the app's writers:
-- 1. The queue state lives in event_embedding_pending_claims, one row per (event, model) ever claimed,
--    never in event_embedding_pending. Nothing here writes the pending table and no trigger writes the
--    claims table, so the pending table is exactly what 140's argument makes it, at every commit, and
--    the app's writers (insert, re-embed, supersede, delete) run the same statements as before: no
--    added cost, no added lock, so no added deadlock. "Done" is the app's own write: the pair leaves
--    the pending table and its claim row no longer matches anything.
-- 2. A claim row counts only for the pending row it was made for: it keeps that row's xmin
--    (pending_xmin; PostgreSQL keeps the raw xmin when it freezes a tuple). A pair that leaves and
--    comes back later (embedding deleted, event live again) is a new pending row with a new xmin, so
--    its attempts, backoff and quarantine start afresh. Rows that match nothing are ignored by every
--    query (a join) and deleted by ehe_queue_sweep(). One exception keeps leases exclusive: a live
--    lease (state claimed, hidden_until in the future) hides its pair whatever the xmin, because the
--    trigger of 140 updates a pending row in place when the event's organization or creation time
--    changes, which gives it a new xmin while a worker holds it.
-- 3. A pair is claimable if it is pending and no claim row hides it: hidden_until > now and (live
--    lease or same xmin). claimed: hidden_until = end of the lease; backoff/released: until it may be
--    retried; quarantined: 'infinity' (CHECK constraints keep state and hidden_until consistent).
--    Discovery (the app's rule: the organization with most claimable pairs among the newest K) and
--    the pick both filter hidden pairs before ranking or limiting, so pairs in backoff or quarantine
--    never win the discovery nor hide another organization's work (pg-boss PR 756's head-of-line).
-- 4. Claim exclusivity. The pick try-locks each candidate with a transaction-level advisory key of
--    its own class (1701340467, the pair's 140 target-key hash; never 140's classes, so no trigger
--    ever meets it) and skips the ones another claim holds: SKIP LOCKED without row locks on the
--    pending table (a row lock there would make the app's embedding insert wait for us). It then
--    writes the claim rows in a new statement (a fresh snapshot: only pairs still pending) with
--    INSERT ... ON CONFLICT DO UPDATE guarded by "not hidden" evaluated on the newest committed
--    version of the row (ON CONFLICT locks it and re-checks). So of two claims racing for one pair,
--    the second either fails the try-lock or, if the first committed after its snapshot, fails the
--    guard: one live lease per pair, always. Every claim gets a fresh token (gen_random_uuid()).
--    A claim holds at most max_pairs (<= 1000) keys until it commits, a few milliseconds: the shared
--    lock table (6,400 entries by default) is not at risk with the app's 100 per claim.
-- 5. Attempts are counted when claimed (attempt = attempts + 1), so a lease that expires has counted
--    its attempt: a claim that finds an expired lease already at max attempts quarantines the pair
--    instead ("lease expired"), so an input that crashes the worker ends quarantined too. fail()
--    hides the pair until now + min(cap, base * 2^(attempt-1)) * (0.5 + random()/2) (equal jitter),
--    or quarantines it at max attempts or when not retryable. release() gives the attempt back.
-- 6. Fencing: fail, extend and release update only rows whose token is the caller's and whose state
--    is still claimed; the UPDATE re-checks that on the newest version of the row, so a worker whose
--    lease was taken over (new token) changes nothing. An expired lease nobody took over can still be
--    extended or failed by its holder.
-- 7. Lock order: claim rows are locked in event_id order by every multi-row writer (the claim's
--    upsert, extend, release); claim waits only for those writers' short transactions on rows it
--    try-locked; the sweep never waits (SKIP LOCKED) and runs in its own call. retry only deletes
--    quarantined rows (the DELETE re-checks the state). None of these touch events, event_embeddings
--    or the pending table's rows, so no cycle can include the app's writers.
-- 8. A paused model (until a time, or 'infinity' = until resumed) claims nothing and counts nothing;
--    leases in flight stay valid, and a worker that stops on a provider error releases them.
-- Bloat: a claim row is updated in place on every transition; only its primary key is indexed and no
-- indexed column changes after insert, so the updates are HOT (fillfactor 70 leaves room on the
-- page); thresholds like 100's make autovacuum clean the dead versions after every ~1,000 of them.
-- Every function is SECURITY DEFINER owned by the installing role (a superuser installer hands them to
-- ehe_definer, 170's rule), search_path pinned, every object schema-qualified, EXECUTE revoked from
-- PUBLIC: grant it to the worker role (docs/scheduler-on-claims.md).
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);

CREATE TABLE ${ehe.module_schema}.event_embedding_pending_claims (
    event_id       bigint      NOT NULL,
    model          text        NOT NULL,
    pending_xmin   xid         NOT NULL,
    state          text        NOT NULL CHECK (state IN ('claimed', 'backoff', 'released', 'quarantined')),
    -- squawk-ignore prefer-bigint-over-int -- attempts never exceed max_attempts (at most 1000)
    attempts       integer     NOT NULL CHECK (attempts >= 0),
    token          uuid,
    claimed_at     timestamptz,
    hidden_until   timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    last_error     text,
    last_failed_at timestamptz,
    CONSTRAINT event_embedding_pending_claims_pkey PRIMARY KEY (event_id, model),
    CONSTRAINT event_embedding_pending_claims_lease CHECK (state <> 'claimed' OR (token IS NOT NULL AND claimed_at IS NOT NULL)),
    CONSTRAINT event_embedding_pending_claims_quarantine CHECK ((state = 'quarantined') = (hidden_until = 'infinity'))
) WITH (
    fillfactor = 70,
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0
);

-- Per target model; no row = the defaults. paused_until 'infinity' = until resumed.
CREATE TABLE ${ehe.module_schema}.event_embedding_pending_queue_settings (
    model                text             PRIMARY KEY,
    backoff_base_seconds double precision NOT NULL DEFAULT 30 CHECK (backoff_base_seconds > 0),
    backoff_cap_seconds  double precision NOT NULL DEFAULT 3600 CHECK (backoff_cap_seconds > 0),
    -- squawk-ignore prefer-bigint-over-int -- at most 1000 (CHECK)
    max_attempts         integer          NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 1000),
    paused_until         timestamptz,
    pause_reason         text,
    updated_at           timestamptz      NOT NULL DEFAULT now(),
    CHECK (backoff_cap_seconds >= backoff_base_seconds)
);
-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above; comments on tables created in this transaction are catalog-only
COMMENT ON TABLE ${ehe.module_schema}.event_embedding_pending_claims IS 'events-has-embedding: the work queue''s state per (event, model): lease, attempts, backoff, quarantine (changeSet 180; a row counts only for the pending row of the same xmin)';
COMMENT ON TABLE ${ehe.module_schema}.event_embedding_pending_queue_settings IS 'events-has-embedding: per target model: backoff base and cap (seconds), max attempts, pause (defaults 30 s, 3600 s, 5 when no row)';

CREATE FUNCTION ${ehe.module_schema}.ehe_queue_settings(target_model text,
    OUT backoff_base_seconds double precision, OUT backoff_cap_seconds double precision,
    OUT max_attempts integer, OUT paused_until timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
SELECT coalesce(s.backoff_base_seconds, 30), coalesce(s.backoff_cap_seconds, 3600), coalesce(s.max_attempts, 5), s.paused_until
  FROM (SELECT 1) d LEFT JOIN ${ehe.module_schema}.event_embedding_pending_queue_settings s ON s.model = target_model
$fn$;

CREATE FUNCTION ${ehe.module_schema}.ehe_queue_check_target(fn text, target_model text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF target_model IS NULL OR NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_targets g
                                            WHERE g.model = target_model AND g.state <> 'removing') THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: %s is not a target model of the pending table', fn, coalesce(quote_literal(target_model), 'NULL'));
    END IF;
END
$fn$;

CREATE FUNCTION ${ehe.module_schema}.ehe_queue_claim(target_model text, max_pairs integer, lease_seconds double precision,
                                       organization text DEFAULT NULL, newest integer DEFAULT 5000)
RETURNS TABLE (event_id bigint, organization_id text, attempt integer, claim_token uuid, lease_until timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_custom_plan AS $fn$
-- OFFSET 0 in the NOT EXISTS keeps it a per-row probe of the claims table's primary key in the
-- newest-first scan: as an anti-join, a stale row estimate of the claims table (just emptied by the
-- sweep, or analyzed before a burst) made the planner pick a nested loop over all of it (measured: 6.8M
-- comparisons, 2 s, for 2,500 pending pairs).
-- force_custom_plan: after five calls PL/pgSQL may keep a generic plan, which cannot see that one
-- model holds most rows nor that LIMIT is small, and sorts the model's whole backlog (measured:
-- claim p95 0.7 s instead of milliseconds on a 106k-pair backlog).
#variable_conflict use_column
DECLARE
    t     timestamptz := clock_timestamp();
    s     record;
    org   text := organization;
    tok   uuid := gen_random_uuid();
    lease interval;
    want  integer := max_pairs;
    cand  bigint[];
    got   bigint[];
    att   integer[];
    n_q   integer;
    round integer := 0;
BEGIN
    PERFORM ${ehe.module_schema}.ehe_queue_check_target('ehe_queue_claim', target_model);
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
    SELECT * INTO s FROM ${ehe.module_schema}.ehe_queue_settings(target_model);
    IF s.paused_until IS NOT NULL AND s.paused_until > t THEN
        RETURN;
    END IF;
    IF org IS NULL THEN
        SELECT c.organization_id INTO org
          FROM (SELECT p.organization_id FROM ${ehe.module_schema}.event_embedding_pending p
                 WHERE p.model = target_model
                   AND NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending_claims q
                                    WHERE q.event_id = p.event_id AND q.model = p.model AND q.hidden_until > t
                                      AND (q.state = 'claimed' OR q.pending_xmin = p.xmin)
                                    OFFSET 0)
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

CREATE FUNCTION ${ehe.module_schema}.ehe_queue_fail(target_model text, pair_event_id bigint, claim_token uuid,
                                      error_text text, retryable boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    t   timestamptz := clock_timestamp();
    s   record;
    res text;
BEGIN
    PERFORM ${ehe.module_schema}.ehe_queue_check_target('ehe_queue_fail', target_model);
    IF pair_event_id IS NULL OR claim_token IS NULL OR retryable IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'ehe_queue_fail: pair_event_id, claim_token and retryable must not be NULL';
    END IF;
    SELECT * INTO s FROM ${ehe.module_schema}.ehe_queue_settings(target_model);
    UPDATE ${ehe.module_schema}.event_embedding_pending_claims q
       SET state = CASE WHEN NOT retryable OR q.attempts >= s.max_attempts THEN 'quarantined' ELSE 'backoff' END,
           hidden_until = CASE WHEN NOT retryable OR q.attempts >= s.max_attempts THEN 'infinity'::timestamptz
                               ELSE t + make_interval(secs => least(s.backoff_cap_seconds,
                                            s.backoff_base_seconds * power(2::double precision, least(greatest(q.attempts - 1, 0), 60)))
                                        * (0.5 + random() / 2)) END,
           last_error = left(coalesce(error_text, '(no error text)'), 2000),
           last_failed_at = t,
           updated_at = t
     WHERE q.event_id = pair_event_id AND q.model = target_model AND q.token = claim_token AND q.state = 'claimed'
    RETURNING q.state INTO res;
    RETURN res;
END
$fn$;

CREATE FUNCTION ${ehe.module_schema}.ehe_queue_extend(target_model text, pair_event_ids bigint[], claim_token uuid, lease_seconds double precision)
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    t timestamptz := clock_timestamp();
BEGIN
    PERFORM ${ehe.module_schema}.ehe_queue_check_target('ehe_queue_extend', target_model);
    IF pair_event_ids IS NULL OR claim_token IS NULL OR lease_seconds IS NULL OR NOT (lease_seconds > 0 AND lease_seconds <= 86400) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'ehe_queue_extend: pair_event_ids and claim_token must not be NULL, lease_seconds in (0, 86400]';
    END IF;
    RETURN QUERY
    WITH held AS (SELECT q.event_id FROM ${ehe.module_schema}.event_embedding_pending_claims q
                   WHERE q.model = target_model AND q.event_id = ANY (pair_event_ids) AND q.token = claim_token AND q.state = 'claimed'
                   ORDER BY q.event_id FOR UPDATE)
    UPDATE ${ehe.module_schema}.event_embedding_pending_claims q
       SET hidden_until = t + make_interval(secs => lease_seconds), updated_at = t
      FROM held h
     WHERE q.event_id = h.event_id AND q.model = target_model AND q.token = claim_token AND q.state = 'claimed'
    RETURNING q.event_id;
END
$fn$;

CREATE FUNCTION ${ehe.module_schema}.ehe_queue_release(target_model text, pair_event_ids bigint[], claim_token uuid, hold_seconds double precision DEFAULT 0)
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    t timestamptz := clock_timestamp();
BEGIN
    PERFORM ${ehe.module_schema}.ehe_queue_check_target('ehe_queue_release', target_model);
    IF pair_event_ids IS NULL OR claim_token IS NULL OR hold_seconds IS NULL OR NOT (hold_seconds >= 0 AND hold_seconds <= 86400) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'ehe_queue_release: pair_event_ids and claim_token must not be NULL, hold_seconds in [0, 86400]';
    END IF;
    RETURN QUERY
    WITH held AS (SELECT q.event_id FROM ${ehe.module_schema}.event_embedding_pending_claims q
                   WHERE q.model = target_model AND q.event_id = ANY (pair_event_ids) AND q.token = claim_token AND q.state = 'claimed'
                   ORDER BY q.event_id FOR UPDATE)
    UPDATE ${ehe.module_schema}.event_embedding_pending_claims q
       SET state = 'released', attempts = greatest(q.attempts - 1, 0),
           hidden_until = t + make_interval(secs => hold_seconds), updated_at = t
      FROM held h
     WHERE q.event_id = h.event_id AND q.model = target_model AND q.token = claim_token AND q.state = 'claimed'
    RETURNING q.event_id;
END
$fn$;

CREATE FUNCTION ${ehe.module_schema}.ehe_queue_retry(target_model text, pair_event_ids bigint[] DEFAULT NULL, organization text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    n integer;
BEGIN
    PERFORM ${ehe.module_schema}.ehe_queue_check_target('ehe_queue_retry', target_model);
    DELETE FROM ${ehe.module_schema}.event_embedding_pending_claims q
     USING ${ehe.module_schema}.event_embedding_pending p
     WHERE q.model = target_model AND q.state = 'quarantined'
       AND p.event_id = q.event_id AND p.model = q.model AND p.xmin = q.pending_xmin
       AND (pair_event_ids IS NULL OR q.event_id = ANY (pair_event_ids))
       AND (organization IS NULL OR p.organization_id = organization);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;

CREATE FUNCTION ${ehe.module_schema}.ehe_queue_pause(target_model text, until timestamptz DEFAULT 'infinity', reason text DEFAULT NULL)
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    PERFORM ${ehe.module_schema}.ehe_queue_check_target('ehe_queue_pause', target_model);
    IF until IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'ehe_queue_pause: until must not be NULL (''infinity'' = until resumed)';
    END IF;
    INSERT INTO ${ehe.module_schema}.event_embedding_pending_queue_settings AS s (model, paused_until, pause_reason, updated_at)
    VALUES (target_model, until, left(reason, 2000), clock_timestamp())
    ON CONFLICT (model) DO UPDATE SET paused_until = EXCLUDED.paused_until, pause_reason = EXCLUDED.pause_reason, updated_at = EXCLUDED.updated_at;
    RETURN until;
END
$fn$;

CREATE FUNCTION ${ehe.module_schema}.ehe_queue_resume(target_model text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    was boolean;
BEGIN
    PERFORM ${ehe.module_schema}.ehe_queue_check_target('ehe_queue_resume', target_model);
    UPDATE ${ehe.module_schema}.event_embedding_pending_queue_settings s
       SET paused_until = NULL, pause_reason = NULL, updated_at = clock_timestamp()
     WHERE s.model = target_model AND s.paused_until IS NOT NULL
    RETURNING s.paused_until IS NULL INTO was;
    RETURN coalesce(was, false);
END
$fn$;

CREATE FUNCTION ${ehe.module_schema}.ehe_queue_configure(target_model text, backoff_base_seconds double precision DEFAULT NULL,
                                           backoff_cap_seconds double precision DEFAULT NULL, max_attempts integer DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    PERFORM ${ehe.module_schema}.ehe_queue_check_target('ehe_queue_configure', target_model);
    INSERT INTO ${ehe.module_schema}.event_embedding_pending_queue_settings AS s (model, backoff_base_seconds, backoff_cap_seconds, max_attempts, updated_at)
    VALUES (target_model, coalesce(backoff_base_seconds, 30), coalesce(backoff_cap_seconds, greatest(3600, coalesce(backoff_base_seconds, 30))),
            coalesce(max_attempts, 5), clock_timestamp())
    ON CONFLICT (model) DO UPDATE
       SET backoff_base_seconds = coalesce(ehe_queue_configure.backoff_base_seconds, s.backoff_base_seconds),
           backoff_cap_seconds = coalesce(ehe_queue_configure.backoff_cap_seconds, s.backoff_cap_seconds),
           max_attempts = coalesce(ehe_queue_configure.max_attempts, s.max_attempts),
           updated_at = EXCLUDED.updated_at;
END
$fn$;

CREATE FUNCTION ${ehe.module_schema}.ehe_queue_sweep(max_rows integer DEFAULT 10000) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
-- Deletes claim rows that match no pending row: the pair is done, or pending again as a newer row
-- (then its history is void anyway), except a live lease while any pending row of the pair exists
-- (point 2: a lease stays exclusive). updated_at < t0 keeps a row that changed after this
-- statement's snapshot (the DELETE re-checks it on the newest version); SKIP LOCKED: the sweep
-- never waits, so it closes no cycle.
DECLARE
    t0 timestamptz := clock_timestamp();
    n  integer;
BEGIN
    IF max_rows IS NULL OR max_rows < 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'ehe_queue_sweep: max_rows must be at least 1';
    END IF;
    DELETE FROM ${ehe.module_schema}.event_embedding_pending_claims q
     WHERE (q.event_id, q.model) IN (
            SELECT c.event_id, c.model FROM ${ehe.module_schema}.event_embedding_pending_claims c
             WHERE c.updated_at < t0
               AND NOT EXISTS (SELECT 1 FROM ${ehe.module_schema}.event_embedding_pending p
                                WHERE p.event_id = c.event_id AND p.model = c.model
                                  AND (p.xmin = c.pending_xmin OR (c.state = 'claimed' AND c.hidden_until > t0)))
             LIMIT max_rows
               FOR UPDATE SKIP LOCKED)
       AND q.updated_at < t0;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;

CREATE FUNCTION ${ehe.module_schema}.ehe_queue_counts()
RETURNS TABLE (model text, pending bigint, claimable bigint, claimed bigint, backing_off bigint, quarantined bigint,
               oldest_pending_seconds double precision, paused_until timestamptz)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
-- Per target model, exact, from the pending table's indexes and the claims table (never events).
WITH n AS (SELECT clock_timestamp() AS t),
     h AS (SELECT q.model,
                  count(*) FILTER (WHERE q.state = 'claimed') AS claimed,
                  count(*) FILTER (WHERE q.state IN ('backoff', 'released')) AS backing_off,
                  count(*) FILTER (WHERE q.state = 'quarantined') AS quarantined
             FROM n, ${ehe.module_schema}.event_embedding_pending_claims q
             JOIN ${ehe.module_schema}.event_embedding_pending p ON p.event_id = q.event_id AND p.model = q.model
            WHERE q.hidden_until > n.t AND (q.state = 'claimed' OR q.pending_xmin = p.xmin)
            GROUP BY q.model)
SELECT g.model, c.pending,
       c.pending - coalesce(h.claimed, 0) - coalesce(h.backing_off, 0) - coalesce(h.quarantined, 0),
       coalesce(h.claimed, 0), coalesce(h.backing_off, 0), coalesce(h.quarantined, 0),
       extract(epoch FROM n.t - c.oldest)::double precision,
       CASE WHEN s.paused_until > n.t THEN s.paused_until END
  FROM n, ${ehe.module_schema}.event_embedding_pending_targets g
 CROSS JOIN LATERAL (SELECT count(*) AS pending, min(p.created_at) AS oldest
                       FROM ${ehe.module_schema}.event_embedding_pending p WHERE p.model = g.model) c
  LEFT JOIN h ON h.model = g.model
  LEFT JOIN ${ehe.module_schema}.event_embedding_pending_queue_settings s ON s.model = g.model
 WHERE g.state <> 'removing'
 ORDER BY g.model
$fn$;

CREATE VIEW ${ehe.module_schema}.event_embedding_pending_failed AS
SELECT q.model, q.event_id, p.organization_id, q.state, q.attempts, q.last_error, q.last_failed_at,
       CASE WHEN q.state = 'backoff' THEN q.hidden_until END AS retry_at
  FROM ${ehe.module_schema}.event_embedding_pending_claims q
  JOIN ${ehe.module_schema}.event_embedding_pending p ON p.event_id = q.event_id AND p.model = q.model AND p.xmin = q.pending_xmin
 WHERE q.state = 'quarantined' OR (q.state = 'backoff' AND q.hidden_until > clock_timestamp());
COMMENT ON VIEW ${ehe.module_schema}.event_embedding_pending_failed IS 'events-has-embedding: pending pairs quarantined or backing off after a failure, with attempts and the last error (changeSet 180)';

REVOKE ALL ON TABLE ${ehe.module_schema}.event_embedding_pending_claims, ${ehe.module_schema}.event_embedding_pending_queue_settings, ${ehe.module_schema}.event_embedding_pending_failed FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ${ehe.module_schema}.ehe_queue_settings(text), ${ehe.module_schema}.ehe_queue_check_target(text, text),
    ${ehe.module_schema}.ehe_queue_claim(text, integer, double precision, text, integer),
    ${ehe.module_schema}.ehe_queue_fail(text, bigint, uuid, text, boolean),
    ${ehe.module_schema}.ehe_queue_extend(text, bigint[], uuid, double precision),
    ${ehe.module_schema}.ehe_queue_release(text, bigint[], uuid, double precision),
    ${ehe.module_schema}.ehe_queue_retry(text, bigint[], text),
    ${ehe.module_schema}.ehe_queue_pause(text, timestamptz, text), ${ehe.module_schema}.ehe_queue_resume(text),
    ${ehe.module_schema}.ehe_queue_configure(text, double precision, double precision, integer),
    ${ehe.module_schema}.ehe_queue_sweep(integer), ${ehe.module_schema}.ehe_queue_counts() FROM PUBLIC;
-- The owner rule of changeSet 170 (point 1): a superuser installer hands these functions to ehe_definer,
-- which gets exactly the queue tables besides what 170 gave it, so no queue call runs as a superuser.
SELECT ${ehe.module_schema}.ehe_pending_secure_functions();
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; the view and functions are catalog-only, used only by the module's own queue
--rollback DROP VIEW IF EXISTS ${ehe.module_schema}.event_embedding_pending_failed;
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_queue_counts();
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_queue_sweep(integer);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_queue_configure(text, double precision, double precision, integer);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_queue_resume(text);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_queue_pause(text, timestamptz, text);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_queue_retry(text, bigint[], text);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_queue_release(text, bigint[], uuid, double precision);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_queue_extend(text, bigint[], uuid, double precision);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_queue_fail(text, bigint, uuid, text, boolean);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_queue_claim(text, integer, double precision, text, integer);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_queue_check_target(text, text);
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_queue_settings(text);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout, ban-drop-table -- lock_timeout set by set_config() above; the module's own queue tables, read and written only by these functions
--rollback DROP TABLE IF EXISTS ${ehe.module_schema}.event_embedding_pending_queue_settings;
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout, ban-drop-table -- as above
--rollback DROP TABLE IF EXISTS ${ehe.module_schema}.event_embedding_pending_claims;
