--liquibase formatted sql

-- squawk lints this file in `make test` (settings in .squawk.toml). Its ignores stand here, above
-- the changeSet, because Liquibase checksums every line of a changeSet's body, comments included: an
-- added ignore would fail validation on every database that already ran it. Each one covers
-- this file's single changeSet only; a new changeSet goes in a new file, with its ignores at their lines.
-- squawk-ignore-file require-lock-timeout -- lock_timeout is set by set_config() on the first line, which squawk does not recognise as SET
-- squawk-ignore-file require-statement-timeout -- both ALTERs are catalog-only: lock_timeout bounds their only wait

--changeset ehe:010-has-embedding-column labels:column logicalFilePath:changelog/changes/010-has-embedding-column.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'column' THEN 1 ELSE 0 END
--comment: events.has_embedding, added without a table rewrite. Existing rows stay NULL ("unknown until backfilled"); rows inserted from now on start false.
-- Both statements are catalog-only but need ACCESS EXCLUSIVE for an instant: the short lock_timeout
-- makes them give up (and the runner retry) instead of queueing every reader of events behind a
-- long transaction. Two statements on purpose: `ADD COLUMN ... DEFAULT false` would stamp false on
-- every existing row, claiming "no embedding" for rows that have one.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
ALTER TABLE ${ehe.schema}.events ADD COLUMN has_embedding boolean;
ALTER TABLE ${ehe.schema}.events ALTER COLUMN has_embedding SET DEFAULT false;
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.lock_timeout', true), ''), '5s'), true);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout, ban-drop-column -- lock_timeout set by set_config() above; catalog-only; removing the column is what this rollback is for
--rollback ALTER TABLE ${ehe.schema}.events DROP COLUMN IF EXISTS has_embedding;
