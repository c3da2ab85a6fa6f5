--liquibase formatted sql

--changeset ehe:186-queue-claim-discovery splitStatements:false rollbackSplitStatements:false labels:pending-table logicalFilePath:changelog/changes/186-queue-claim-discovery.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'pending-table' THEN 1 ELSE 0 END
--comment: ehe_queue_claim's discovery finds the claim rows of its window in one index scan of the claims table's key and filters them through hashed subplans, instead of one probe of that key per pending pair (issue 27: claim p95 goal); the same organization chosen, the signature, owner and grants kept (CREATE OR REPLACE).
--
-- What was slow (ClaimPlanProbe: EXPLAIN ANALYZE and auto_explain of the claim at scale 0.1, the model-swap
-- backlog of 106k pairs, 8 workers claiming; a shared machine): the discovery, 60-90% of a claim. It walks
-- the model's newest 5,000 claimable pairs and, for each, probes the claims table's primary key in a SubPlan
-- (180's OFFSET 0): 5,300-5,500 SubPlan runs of about 2 buffers each, 7-40 ms; the pick (100 pairs) and
-- the upsert took 0.5-6 ms and 1.5 ms. How the discovery works now:
-- 1. w: the model's newest lim pending pairs (lim = newest + 1024 to start), one index scan of
--    event_embedding_pending_newest_idx, materialized with each row's xmin (as bigint: xid has no btree
--    class, and a row comparison needs one; the same 32-bit value).
-- 2. h: the claim rows of exactly those pairs that hide them now (hidden_until > t), in one index scan of
--    the claims table's key with event_id = ANY (w's ids): one scan, the keys sorted, instead of a SubPlan
--    started per row. h holds only claim rows of pending pairs in the window, so done pairs whose lease has
--    not run out (thousands when workers are fast) do not weigh on it: reading the model's hidden rows
--    from the whole table instead was measured slower than 180 (a paired run: claim p95 65 ms against 33).
-- 3. c: w without what h hides, by two hashed NOT IN subplans (a live lease hides its pair whatever the
--    xmin; any other hidden state only the pending row of its xmin): 180's NOT EXISTS split by state, since
--    (event_id, model) is the key, so the same pairs hidden; then the newest `newest` of the rest, counted
--    per organization: the same organization chosen. NOT IN because a hashed subplan needs no row estimate
--    of h (h as a join side was a nested loop over it on a stale estimate: 1.1M comparisons, 0.7 s).
-- 4. If the window held fewer than `newest` claimable pairs and the backlog has more, the window grows
--    fourfold and the statement runs again (hidden pairs at the top: 10k in backoff, say); each round is
--    exact, the last one decides.
-- 5. Nothing else changes: the pick, the try-locks, the upsert and its guard, the result; exactness and
--    lock order are 180's argument (points 3, 4 and 7 there). The session setting
--    ehe.queue_discovery = 'probe' runs 180's discovery instead (tests compare the two, the bench pairs
--    them); it only picks between two exact plans.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above; replacing a function is catalog-only
CREATE OR REPLACE FUNCTION public.ehe_queue_claim(target_model text, max_pairs integer, lease_seconds double precision,
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
    lim   bigint := newest + 1024;
    n_w   bigint;
    n_c   bigint;
BEGIN
    PERFORM public.ehe_queue_check_target('ehe_queue_claim', target_model);
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
    SELECT * INTO s FROM public.ehe_queue_settings(target_model);
    IF s.paused_until IS NOT NULL AND s.paused_until > t THEN
        RETURN;
    END IF;
    IF org IS NULL THEN
        -- The discovery (186): see the header. Exact either way; the setting only picks the plan.
        IF coalesce(pg_catalog.current_setting('ehe.queue_discovery', true), '') <> 'probe' THEN
            LOOP
                WITH w AS MATERIALIZED (
                         SELECT p.event_id, p.organization_id, p.created_at
                           FROM public.event_embedding_pending p
                          WHERE p.model = target_model
                          ORDER BY p.created_at DESC, p.event_id DESC
                          LIMIT lim),
                     h AS MATERIALIZED (
                         SELECT q.event_id
                           FROM public.event_embedding_pending_claims q
                          WHERE q.event_id = ANY (ARRAY(SELECT w.event_id FROM w)) AND q.model = target_model AND q.hidden_until > t
                            AND (q.state = 'claimed' OR q.pending_xmin = (SELECT p.xmin FROM public.event_embedding_pending p
                                                                           WHERE p.event_id = q.event_id AND p.model = q.model))),
                     c AS (
                         SELECT w.organization_id FROM w
                          WHERE w.event_id NOT IN (SELECT h.event_id FROM h)
                          ORDER BY w.created_at DESC, w.event_id DESC
                          LIMIT newest)
                SELECT g.organization_id, g.n, (SELECT count(*) FROM w)
                  INTO org, n_c, n_w
                  FROM (SELECT 1) one
                  LEFT JOIN (SELECT c.organization_id, sum(count(*)) OVER () AS n
                               FROM c
                              GROUP BY c.organization_id
                              ORDER BY count(*) DESC, c.organization_id
                              LIMIT 1) g ON true;
                -- Enough claimable pairs in the window, or the whole backlog seen: done. Else a wider window.
                EXIT WHEN coalesce(n_c, 0) >= newest OR coalesce(n_w, 0) < lim;
                lim := lim * 4;
            END LOOP;
        ELSE
            SELECT c.organization_id INTO org
              FROM (SELECT p.organization_id FROM public.event_embedding_pending p
                     WHERE p.model = target_model
                       AND NOT EXISTS (SELECT 1 FROM public.event_embedding_pending_claims q
                                        WHERE q.event_id = p.event_id AND q.model = p.model AND q.hidden_until > t
                                          AND (q.state = 'claimed' OR q.pending_xmin = p.xmin)
                                        OFFSET 0)
                     ORDER BY p.created_at DESC, p.event_id DESC
                     LIMIT newest) c
             GROUP BY c.organization_id
             ORDER BY count(*) DESC, c.organization_id
             LIMIT 1;
        END IF;
        IF org IS NULL THEN
            RETURN;
        END IF;
    END IF;
    LOOP
        round := round + 1;
        SELECT array_agg(k.event_id ORDER BY k.event_id) INTO cand
          FROM (SELECT c.event_id
                  FROM (SELECT p.event_id FROM public.event_embedding_pending p
                         WHERE p.model = target_model AND p.organization_id = org
                           AND NOT EXISTS (SELECT 1 FROM public.event_embedding_pending_claims q
                                            WHERE q.event_id = p.event_id AND q.model = p.model AND q.hidden_until > t
                                              AND (q.state = 'claimed' OR q.pending_xmin = p.xmin)
                                            OFFSET 0)
                         ORDER BY p.created_at DESC, p.event_id DESC) c
                 WHERE pg_try_advisory_xact_lock(1701340467, public.ehe_pending_target_key(c.event_id, target_model))
                 LIMIT want) k;
        IF cand IS NULL THEN
            RETURN;
        END IF;
        WITH up AS (
            INSERT INTO public.event_embedding_pending_claims AS q
                   (event_id, model, pending_xmin, state, attempts, token, claimed_at, hidden_until, updated_at)
            SELECT p.event_id, p.model, p.xmin, 'claimed', 1, tok, t, t + lease, t
              FROM public.event_embedding_pending p
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
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; 180's function back, catalog-only
--rollback CREATE OR REPLACE FUNCTION public.ehe_queue_claim(target_model text, max_pairs integer, lease_seconds double precision,
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
--rollback     PERFORM public.ehe_queue_check_target('ehe_queue_claim', target_model);
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
--rollback     SELECT * INTO s FROM public.ehe_queue_settings(target_model);
--rollback     IF s.paused_until IS NOT NULL AND s.paused_until > t THEN
--rollback         RETURN;
--rollback     END IF;
--rollback     IF org IS NULL THEN
--rollback         SELECT c.organization_id INTO org
--rollback           FROM (SELECT p.organization_id FROM public.event_embedding_pending p
--rollback                  WHERE p.model = target_model
--rollback                    AND NOT EXISTS (SELECT 1 FROM public.event_embedding_pending_claims q
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
--rollback                   FROM (SELECT p.event_id FROM public.event_embedding_pending p
--rollback                          WHERE p.model = target_model AND p.organization_id = org
--rollback                            AND NOT EXISTS (SELECT 1 FROM public.event_embedding_pending_claims q
--rollback                                             WHERE q.event_id = p.event_id AND q.model = p.model AND q.hidden_until > t
--rollback                                               AND (q.state = 'claimed' OR q.pending_xmin = p.xmin)
--rollback                                             OFFSET 0)
--rollback                          ORDER BY p.created_at DESC, p.event_id DESC) c
--rollback                  WHERE pg_try_advisory_xact_lock(1701340467, public.ehe_pending_target_key(c.event_id, target_model))
--rollback                  LIMIT want) k;
--rollback         IF cand IS NULL THEN
--rollback             RETURN;
--rollback         END IF;
--rollback         WITH up AS (
--rollback             INSERT INTO public.event_embedding_pending_claims AS q
--rollback                    (event_id, model, pending_xmin, state, attempts, token, claimed_at, hidden_until, updated_at)
--rollback             SELECT p.event_id, p.model, p.xmin, 'claimed', 1, tok, t, t + lease, t
--rollback               FROM public.event_embedding_pending p
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
