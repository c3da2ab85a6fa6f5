--liquibase formatted sql

-- The changelog's parameters and its one check before anything is changed, in the first file of
-- changes/ (the name sorts before 000-baseline-tables.sql), so that the master and an includeAll of
-- changes/ both read them before any changeSet that uses them.
--
-- Parameters: a value given by the caller wins (Liquibase keeps the first value a parameter gets):
-- the runner (migrate --design / --with-baseline), `liquibase update -Dehe.design=...`, Spring Boot's
-- spring.liquibase.parameters.ehe.design, the Maven plugin's changelog parameters. These are the defaults.
--property name:ehe.design value:column
--property name:ehe.baseline value:false

-- The check, as a changeSet that is never recorded:
-- 1. It stands at its place in the update, not before it: an app whose own changeSets create events and
--    event_embeddings earlier in the same update passes it (a changelog-level precondition would be
--    judged before the app's first changeSet and stop the app's first run on a fresh database).
-- 2. All is well: the query returns 0, the precondition fails, onFail:CONTINUE skips the changeSet and
--    records nothing, so the history, the rollback counts and every checksum stay as they were.
-- 3. Wrong database (no events / event_embeddings, and no baseline asked for) or an unknown design:
--    the query fails on purpose (a text that is not an integer, and the failure carries the reason),
--    onError:HALT stops the update before any changeSet of this module runs. Each message reads
--    current_database(), a stable function, so the planner cannot fold the cast and fail a good run.
--changeset ehe:000-00-preflight logicalFilePath:changelog/changes/000-00-preflight.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' NOT IN ('column', 'pending-table') THEN CAST('events-has-embedding: ehe.design is neither column nor pending-table; nothing was changed in database ' || current_database() AS integer) WHEN '${ehe.baseline}' <> 'true' AND (to_regclass('public.events') IS NULL OR to_regclass('public.event_embeddings') IS NULL) THEN CAST('events-has-embedding: tables public.events and public.event_embeddings not found (wrong database? or the app creates them later in its changelog: include this module after that); nothing was changed in database ' || current_database() AS integer) ELSE 0 END
--comment: A check, never recorded: stops the update on a database without events and event_embeddings (unless ehe.baseline=true) or with an unknown ehe.design.
SELECT 1;
--rollback SELECT 1;
