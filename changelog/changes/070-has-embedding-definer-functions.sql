--liquibase formatted sql

--changeset ehe:070-has-embedding-definer-functions splitStatements:false rollbackSplitStatements:false labels:column logicalFilePath:changelog/changes/070-has-embedding-definer-functions.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'column' THEN 1 ELSE 0 END
--comment: Least privilege (issue 24): 020's and 060's trigger functions run as the module's owner (SECURITY DEFINER, search_path pinned to pg_catalog, pg_temp), never as a superuser, so an app role that may insert or delete embeddings but not update events keeps writing exactly as before the install.
--
-- The argument is the project's rule, written once at the top of changeSet 170 (points 1 to 4); for this design:
-- 1. The trigger functions lock and update events.has_embedding: FOR NO KEY UPDATE needs UPDATE
--    privilege on events, which an app role that only inserts embeddings does not have (today every
--    such insert fails). As SECURITY DEFINER they run as their owner: the installing role when it is
--    not a superuser; when it is, the NOLOGIN role ehe_definer, which holds only SELECT on
--    event_embeddings, SELECT on events and UPDATE of events.has_embedding.
-- 2. They cannot be called directly (RETURNS trigger), write only has_embedding of the events the
--    statement's own embedding rows reference, and return nothing.
-- 3. SET search_path = pg_catalog, pg_temp: a caller's schema holding lookalike tables, functions or
--    operators is never searched; every table is qualified; the transition tables (ehe_new_rows,
--    ehe_old_rows) are named by the trigger, not looked up on the path.
-- 020's protocol (its numbered comment) is unchanged: the bodies are not touched.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);

DO $own$
DECLARE
    f regprocedure;
    runs_as name := current_user;
BEGIN
    IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        BEGIN
            CREATE ROLE ehe_definer NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
        GRANT SELECT ON ${ehe.schema}.events, ${ehe.schema}.event_embeddings TO ehe_definer;
        GRANT UPDATE (has_embedding) ON ${ehe.schema}.events TO ehe_definer;
        runs_as := 'ehe_definer';
    END IF;
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = '${ehe.module_schema}'::regnamespace AND p.prorettype = 'trigger'::regtype
           AND p.proname LIKE 'ehe\_has\_embedding\_%'
         ORDER BY 1
    LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp', f);
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', f, runs_as);
    END LOOP;
END
$own$;
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback DO $rb$
--rollback DECLARE
--rollback     f regprocedure;
--rollback BEGIN
--rollback     FOR f IN
--rollback         SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
--rollback          WHERE p.pronamespace = '${ehe.module_schema}'::regnamespace AND p.prorettype = 'trigger'::regtype
--rollback            AND p.proname LIKE 'ehe\_has\_embedding\_%'
--rollback          ORDER BY 1
--rollback     LOOP
--rollback         EXECUTE format('ALTER FUNCTION %s SECURITY INVOKER RESET search_path', f);
--rollback         EXECUTE format('ALTER FUNCTION %s OWNER TO %I', f, current_user);
--rollback     END LOOP;
--rollback     IF to_regrole('ehe_definer') IS NOT NULL THEN
--rollback         REVOKE ALL ON ${ehe.schema}.events, ${ehe.schema}.event_embeddings FROM ehe_definer;
--rollback         REVOKE UPDATE (has_embedding) ON ${ehe.schema}.events FROM ehe_definer;
--rollback         BEGIN
--rollback             DROP ROLE ehe_definer;
--rollback         EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
--rollback             NULL;
--rollback         END;
--rollback     END IF;
--rollback END
--rollback $rb$;
