--liquibase formatted sql

-- The roles that read the answer (the scheduler), named by the caller: the runner's
-- `migrate --reader-role R` (repeatable or a comma list), the chart's readerRoles, Liquibase's
-- -Dehe.reader_roles=r1,r2 (Spring: spring.liquibase.parameters.ehe.reader_roles). Default: none.
--property name:ehe.reader_roles value:none

-- Readers get exactly what the documented scheduler queries need (docs/how-it-works.md: they read
-- event_embedding_pending only), by name, and lose it on rollback (issue 24). How it works:
-- 1. The list is a changelog parameter substituted into this changeSet, so its checksum changes when
--    the list does. runOnChange:true turns that into "run again" instead of a validation failure
--    (a list substituted into a normal changeSet would fail every later update): the list is the
--    desired state, and re-running this changeSet applies it. Every statement here is idempotent.
--    The runner passes the stored list, sorted, when migrate names no reader, so a plain migrate
--    never re-runs it; a Liquibase caller passes the same parameter on every update.
-- 2. Until a reader is named, nothing is installed: the precondition skips this changeSet without
--    recording it (onFail:CONTINUE, like the deferred 040/050), so a database without readers keeps
--    the history, the rollback counts and the checksums it had. Once the readers table exists, every
--    list is applied, "none" included (it takes the grants back).
-- 3. ${ehe.module_schema}.ehe_pending_grant_readers(roles) makes the named roles the readers: it checks every role
--    exists (else nothing changes: the error rolls the changeSet back with its history row), revokes
--    what it granted to roles no longer named, and grants SELECT on event_embedding_pending to each
--    named role that cannot already read it. ${ehe.module_schema}.event_embedding_pending_readers records what it
--    granted, per role, so revoking (a smaller list, the rollback) takes back exactly that and never
--    a privilege a DBA granted by hand.
-- 4. No reader gets anything else: no other table of the module, no column of events, no function.
--    USAGE on schema public is the DBA's to grant (it is most databases' default); `status` reports a
--    named reader that lacks it, or lost the SELECT by a later REVOKE, and is not ready (exit 5).
-- 5. The function is SECURITY INVOKER on purpose: only the installing role (owner of the table, so
--    allowed to GRANT on it) may call it; EXECUTE is revoked from PUBLIC. A definer function here
--    would let whoever may call it hand out read access.
--changeset ehe:175-reader-grants-pending-table runOnChange:true splitStatements:false rollbackSplitStatements:false labels:pending-table logicalFilePath:changelog/changes/175-reader-grants-pending-table.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'pending-table' AND ($ehe_roles$${ehe.reader_roles}$ehe_roles$ <> 'none' OR to_regclass('${ehe.module_schema}.event_embedding_pending_readers') IS NOT NULL) THEN 1 ELSE 0 END
--comment: The scheduler's roles (parameter ehe.reader_roles, comma-separated; none by default) get SELECT on event_embedding_pending, the one table its documented queries read, and nothing else; a role no longer named, and every role on rollback, loses what this changeSet granted. Re-runs when the list changes (runOnChange).
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above, which squawk does not recognise; a new, empty table of the module's own
CREATE TABLE IF NOT EXISTS ${ehe.module_schema}.event_embedding_pending_readers (
    role_name  text        PRIMARY KEY,
    granted    text[]      NOT NULL DEFAULT '{}',
    named_at   timestamptz NOT NULL DEFAULT now()
);
-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout comes from set_config() above; creating a function is catalog-only
CREATE OR REPLACE FUNCTION ${ehe.module_schema}.ehe_pending_grant_readers(roles text[]) RETURNS integer
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    wanted text[];
    missing text;
    gone record;
    r text;
    changed integer := 0;
BEGIN
    IF roles IS NULL THEN
        RAISE EXCEPTION 'events-has-embedding: reader roles must be a list (empty for none), not NULL' USING ERRCODE = '22004';
    END IF;
    SELECT coalesce(array_agg(DISTINCT btrim(x) ORDER BY btrim(x)), '{}') INTO wanted
      FROM unnest(roles) AS x WHERE btrim(x) <> '' AND btrim(x) <> 'none';
    SELECT w INTO missing FROM unnest(wanted) AS w
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = w) LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'events-has-embedding: reader role "%" does not exist; no reader privilege was changed', missing
            USING ERRCODE = '42704';
    END IF;
    FOR gone IN SELECT role_name, granted FROM ${ehe.module_schema}.event_embedding_pending_readers
                 WHERE role_name <> ALL (wanted) ORDER BY role_name LOOP
        IF 'SELECT' = ANY (gone.granted) AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = gone.role_name) THEN
            EXECUTE format('REVOKE SELECT ON ${ehe.module_schema}.event_embedding_pending FROM %I', gone.role_name);
        END IF;
        DELETE FROM ${ehe.module_schema}.event_embedding_pending_readers WHERE role_name = gone.role_name;
        changed := changed + 1;
    END LOOP;
    FOREACH r IN ARRAY wanted LOOP
        INSERT INTO ${ehe.module_schema}.event_embedding_pending_readers (role_name) VALUES (r) ON CONFLICT (role_name) DO NOTHING;
        IF NOT pg_catalog.has_table_privilege(r, '${ehe.module_schema}.event_embedding_pending', 'SELECT') THEN
            EXECUTE format('GRANT SELECT ON ${ehe.module_schema}.event_embedding_pending TO %I', r);
            UPDATE ${ehe.module_schema}.event_embedding_pending_readers SET granted = array_append(array_remove(granted, 'SELECT'), 'SELECT')
             WHERE role_name = r;
            changed := changed + 1;
        END IF;
    END LOOP;
    RETURN changed;
END
$fn$;
REVOKE EXECUTE ON FUNCTION ${ehe.module_schema}.ehe_pending_grant_readers(text[]) FROM PUBLIC;
SELECT ${ehe.module_schema}.ehe_pending_grant_readers(string_to_array($ehe_roles$${ehe.reader_roles}$ehe_roles$, ','));
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback SELECT ${ehe.module_schema}.ehe_pending_grant_readers('{}');
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout, ban-drop-table -- lock_timeout set by set_config() above; the module's own small list of reader roles, emptied (grants revoked) the line before
--rollback DROP TABLE IF EXISTS ${ehe.module_schema}.event_embedding_pending_readers;
--rollback DROP FUNCTION IF EXISTS ${ehe.module_schema}.ehe_pending_grant_readers(text[]);
