--liquibase formatted sql

--changeset ehe:010-has-embedding-column labels:column logicalFilePath:changelog/changes/010-has-embedding-column.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'column' THEN 1 ELSE 0 END
--comment: events.has_embedding, added without a table rewrite. Existing rows stay NULL ("unknown until backfilled"); rows inserted from now on start false.
-- Both statements are catalog-only but need ACCESS EXCLUSIVE for an instant: the short lock_timeout
-- makes them give up (and the runner retry) instead of queueing every reader of events behind a
-- long transaction. Two statements on purpose: `ADD COLUMN ... DEFAULT false` would stamp false on
-- every existing row, claiming "no embedding" for rows that have one.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
ALTER TABLE public.events ADD COLUMN has_embedding boolean;
ALTER TABLE public.events ALTER COLUMN has_embedding SET DEFAULT false;
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback ALTER TABLE public.events DROP COLUMN IF EXISTS has_embedding;
