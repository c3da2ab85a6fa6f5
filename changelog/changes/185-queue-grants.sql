--liquibase formatted sql

-- The roles that work the queue (the embedding workers), named by the caller: the runner's
-- `migrate --queue-role R` (repeatable or a comma list), the chart's queueRoles, Liquibase's
-- -Dehe.queue_roles=r1,r2 (Spring: spring.liquibase.parameters.ehe.queue_roles). Default: none.
--property name:ehe.queue_roles value:none

-- Workers get exactly what the documented worker loop calls (docs/scheduler-on-claims.md), by name,
-- and lose it on rollback (issue 27; the pattern of 175's reader roles). Why these grants and nothing more:
-- 1. The loop is: ehe_queue_claim, embed outside any transaction, the app's own write (done), and for
--    what did not go well ehe_queue_extend, ehe_queue_fail, ehe_queue_release, and ehe_queue_pause on a
--    provider failure (HTTP 429, 5xx in a row: the documented mapping pauses the model until a time).
--    So EXECUTE on those five functions. Each is SECURITY DEFINER with a pinned search_path (180): the
--    worker needs no privilege on any table, the claims table and the pending table included, and the
--    helpers they call (ehe_queue_settings, ehe_queue_check_target) run as the functions' owner.
-- 2. Nothing else. Not ehe_queue_resume, _retry, _configure (operator actions: `queue resume|retry`),
--    nor _sweep (the chart's queue-sweep CronJob, as the owner), nor _counts or the failed view (status,
--    metrics), nor SELECT on any table: the claim returns all the worker needs. Pause gives a worker no
--    power its claims do not already have: a worker may hold every claimable pair of a model under
--    leases of up to a day; a pause, likewise, only withholds the model's pairs, counts no attempt and
--    ends at its time (or by an operator's resume). The app's write of the embedding is the app role's
--    own DML, never granted here.
-- 3. The list is a changelog parameter substituted into this changeSet, so its checksum changes when
--    the list does. runOnChange:true turns that into "run again": the list is the desired state, every
--    statement here is idempotent. The runner passes the stored list, sorted, when migrate names no
--    queue role, so a plain migrate never re-runs it; a Liquibase caller passes the same parameter on
--    every update (an update without it means "none" and takes the grants back).
-- 4. Until a role is named, nothing is installed: the precondition skips this changeSet without
--    recording it (onFail:CONTINUE), so a database without queue roles keeps its history and rollback
--    counts. Once the list table exists, every list is applied, "none" included.
-- 5. ${ehe.module_schema}.ehe_pending_grant_queue_roles(roles) checks every role exists (else nothing changes: the
--    error rolls the changeSet back with its history row), revokes what it granted to roles no longer
--    named, and grants EXECUTE on each of the five functions the role cannot already execute.
--    ${ehe.module_schema}.event_embedding_pending_queue_roles records what it granted, per role, so a smaller list
--    and the rollback take back exactly that, never a privilege a DBA granted by hand.
-- 6. SECURITY INVOKER on purpose: only the installing role (the functions' owner, or a superuser that
--    handed them to ehe_definer) may GRANT on them; EXECUTE is revoked from PUBLIC. A definer function
--    would let whoever may call it hand out the queue. USAGE on schema public is the DBA's to grant;
--    `status` is not ready while a named queue role lacks it or any of the five.
-- 7. Grants survive CREATE OR REPLACE FUNCTION (a later changeSet replacing a body keeps the ACL); a
--    changed signature would be a new function and must be added to the list here in a new changeSet.
--changeset ehe:185-queue-grants runOnChange:true splitStatements:false rollbackSplitStatements:false labels:pending-table logicalFilePath:changelog/changes/185-queue-grants.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'pending-table' AND ($ehe_roles$${ehe.queue_roles}$ehe_roles$ <> 'none' OR to_regclass('${ehe.module_schema}.event_embedding_pending_queue_roles') IS NOT NULL) THEN 1 ELSE 0 END
--comment: The workers' roles (parameter ehe.queue_roles, comma-separated; none by default) get EXECUTE on ehe_queue_claim, _extend, _fail, _release and _pause, the calls of the documented worker loop, and nothing else; a role no longer named, and every role on rollback, loses what this changeSet granted. Re-runs when the list changes (runOnChange).
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above, which squawk does not recognise; a new, empty table of the module's own
CREATE TABLE IF NOT EXISTS ${ehe.module_schema}.event_embedding_pending_queue_roles (
    role_name  text        PRIMARY KEY,
    granted    text[]      NOT NULL DEFAULT '{}',
    named_at   timestamptz NOT NULL DEFAULT now()
);
-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above; creating a function is catalog-only
CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_grant_queue_roles(roles text[]) RETURNS integer
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    -- The worker loop's calls (point 1), as regprocedure text: what GRANT and has_function_privilege take.
    calls constant text[] := ARRAY[
        '${ehe.module_schema}.ehe_queue_claim(text,integer,double precision,text,integer)',
        '${ehe.module_schema}.ehe_queue_extend(text,bigint[],uuid,double precision)',
        '${ehe.module_schema}.ehe_queue_fail(text,bigint,uuid,text,boolean)',
        '${ehe.module_schema}.ehe_queue_release(text,bigint[],uuid,double precision)',
        '${ehe.module_schema}.ehe_queue_pause(text,timestamp with time zone,text)'];
    wanted text[];
    missing text;
    gone record;
    r text;
    fn text;
    changed integer := 0;
BEGIN
    IF roles IS NULL THEN
        RAISE EXCEPTION 'events-has-embedding: queue roles must be a list (empty for none), not NULL' USING ERRCODE = '22004';
    END IF;
    SELECT coalesce(array_agg(DISTINCT btrim(x) ORDER BY btrim(x)), '{}') INTO wanted
      FROM unnest(roles) AS x WHERE btrim(x) <> '' AND btrim(x) <> 'none';
    SELECT w INTO missing FROM unnest(wanted) AS w
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = w) LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'events-has-embedding: queue role "%" does not exist; no queue privilege was changed', missing
            USING ERRCODE = '42704';
    END IF;
    FOR gone IN SELECT role_name, granted FROM ${ehe.module_schema}.event_embedding_pending_queue_roles
                 WHERE role_name <> ALL (wanted) ORDER BY role_name LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = gone.role_name) THEN
            FOREACH fn IN ARRAY gone.granted LOOP
                IF to_regprocedure(fn) IS NOT NULL THEN
                    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %I', fn, gone.role_name);
                END IF;
            END LOOP;
        END IF;
        DELETE FROM ${ehe.module_schema}.event_embedding_pending_queue_roles WHERE role_name = gone.role_name;
        changed := changed + 1;
    END LOOP;
    FOREACH r IN ARRAY wanted LOOP
        INSERT INTO ${ehe.module_schema}.event_embedding_pending_queue_roles (role_name) VALUES (r) ON CONFLICT (role_name) DO NOTHING;
        FOREACH fn IN ARRAY calls LOOP
            IF NOT pg_catalog.has_function_privilege(r, fn, 'EXECUTE') THEN
                EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', fn, r);
                UPDATE ${ehe.module_schema}.event_embedding_pending_queue_roles SET granted = array_append(array_remove(granted, fn), fn)
                 WHERE role_name = r;
                changed := changed + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN changed;
END
$fn$;
REVOKE EXECUTE ON FUNCTION ${ehe.module_schema}.ehe_pending_grant_queue_roles(text[]) FROM PUBLIC;
SELECT ${ehe.module_schema}.ehe_pending_grant_queue_roles(string_to_array($ehe_roles$${ehe.queue_roles}$ehe_roles$, ','));
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback SELECT ${ehe.module_schema}.ehe_pending_grant_queue_roles('{}');
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout, ban-drop-table -- lock_timeout set by set_config() above; the module's own small list of queue roles, emptied (grants revoked) the line before
--rollback DROP TABLE IF EXISTS ${ehe.module_schema}.event_embedding_pending_queue_roles;
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_grant_queue_roles(text[]);
