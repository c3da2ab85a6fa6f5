--liquibase formatted sql

-- squawk lints this file in `make test` (settings in .squawk.toml). Its ignores stand here, above
-- the changeSet, because Liquibase checksums every line of a changeSet's body, comments included: an
-- added ignore would fail validation on every database that already ran it. Each one covers
-- this file's single changeSet only; a new changeSet goes in a new file, with its ignores at their lines.
-- squawk-disable-assume-in-transaction -- runInTransaction:false (CREATE INDEX CONCURRENTLY cannot run in one)
-- squawk-ignore-file require-lock-timeout -- lock_timeout is set by set_config() on the first line, which squawk does not recognise as SET
-- squawk-ignore-file require-statement-timeout -- none on purpose: CONCURRENTLY blocks no reads or writes, and a build cut short leaves an INVALID index
-- squawk-ignore-file prefer-robust-stmts -- no IF NOT EXISTS on purpose: the DROP before it removes the INVALID leftover of a failed build, which IF NOT EXISTS would accept as done

--changeset ehe:040-pending-embedding-index runInTransaction:false labels:column,deferred logicalFilePath:changelog/changes/040-pending-embedding-index.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.design}' = 'column' THEN 1 ELSE 0 END
--precondition-sql-check expectedResult:0 SELECT count(*) FROM (SELECT 1 FROM ${ehe.schema}.events WHERE has_embedding IS NULL LIMIT 1) AS any_null
--comment: The scheduler's partial index. Deferred: while any row is still NULL the precondition skips this changeSet without marking it ran, so the next update (or backfill --then-migrate) tries again.
-- Built after the backfill on purpose: an index on has_embedding makes every backfill UPDATE non-HOT.
-- CONCURRENTLY cannot run in a transaction (runInTransaction:false) and holds only SHARE UPDATE
-- EXCLUSIVE, which never blocks reads or writes. A build that fails half way leaves an INVALID index
-- and no DATABASECHANGELOG row; since this changeSet has not been recorded, any index of this name is
-- such a leftover, so it is dropped and built again from scratch.
SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.index_lock_timeout', true), ''), '10min'), false);
DROP INDEX CONCURRENTLY IF EXISTS ${ehe.schema}.idx_events_pending_embedding;
CREATE INDEX CONCURRENTLY idx_events_pending_embedding ON ${ehe.schema}.events (organization_id, id) WHERE NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> '';
RESET lock_timeout;
--rollback SELECT set_config('lock_timeout', coalesce(nullif(current_setting('ehe.index_lock_timeout', true), ''), '10min'), false);
--rollback -- squawk-ignore require-lock-timeout, require-statement-timeout -- lock_timeout set by set_config() above; CONCURRENTLY blocks no reads or writes
--rollback DROP INDEX CONCURRENTLY IF EXISTS ${ehe.schema}.idx_events_pending_embedding;
--rollback RESET lock_timeout;
