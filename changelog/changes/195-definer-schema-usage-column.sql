--liquibase formatted sql

--changeset ehe:195-definer-schema-usage-column splitStatements:false rollbackSplitStatements:false labels:column logicalFilePath:changelog/changes/195-definer-schema-usage-column.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'column' THEN 1 ELSE 0 END
--comment: USAGE on the tables' schema and the module schema for ehe_definer, the NOLOGIN role that owns the module's SECURITY DEFINER functions when a superuser installed them (070/170/180/190): without it, in schemas other than public, every trigger and queue function failed with "permission denied for schema" (issue 24). Nothing else is granted.
--
-- Why it is needed and why it is safe (170's argument, point 1, completed):
-- 1. A SECURITY DEFINER function runs with its owner's privileges, schema USAGE included. An installer that
--    is no superuser owns the functions and the schemas it installs into: nothing to do. A superuser hands
--    the functions to ehe_definer, which 070/170 granted SELECT/DML on the tables but no USAGE on their
--    schemas. PUBLIC holds USAGE on schema public, so the default install never noticed; in a schema made
--    with CREATE SCHEMA (--schema app, --module-schema ehe) every app write through a trigger failed. A
--    new-user trial met it through status (ehe_queue_counts: "permission denied for schema ehe").
-- 2. USAGE on a schema lets a role look up names in it, nothing more: ehe_definer still reaches only the
--    tables 070/170 granted it, it cannot log in, and no role can become it (no member). So no role can use
--    a module function to read or write more than before (170's argument holds).
-- 3. Granted only where ehe_definer owns a function in the module schema: roles are cluster-wide, and an
--    ehe_definer made by another database's install must get nothing here. Idempotent (a GRANT repeated
--    is a no-op); released 070/170 cannot change (their checksums), so this is a changeSet of its own, one
--    per design like 175 and 190, each in its design's rollback.
-- 4. The rollback revokes the USAGE unless the other design is installed (its functions need it still);
--    070/170's rollbacks then drop ehe_definer as before.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
-- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; a GRANT on a schema is catalog-only
DO $grant$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_proc p
                WHERE p.pronamespace = '${ehe.module_schema}'::regnamespace AND p.proowner = to_regrole('ehe_definer')) THEN
        GRANT USAGE ON SCHEMA ${ehe.schema}, ${ehe.module_schema} TO ehe_definer;
    END IF;
END
$grant$;
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; a REVOKE on a schema is catalog-only
--rollback DO $revoke$
--rollback BEGIN
--rollback     -- Kept while the pending-table design's table ${ehe.module_schema}.event_embedding_pending exists: the other design's functions run as ehe_definer too.
--rollback     IF to_regrole('ehe_definer') IS NOT NULL AND to_regclass('${ehe.module_schema}.event_embedding_pending') IS NULL THEN
--rollback         REVOKE USAGE ON SCHEMA ${ehe.schema}, ${ehe.module_schema} FROM ehe_definer;
--rollback     END IF;
--rollback END
--rollback $revoke$;
