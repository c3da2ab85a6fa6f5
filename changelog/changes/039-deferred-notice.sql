--liquibase formatted sql

-- Why the column design's index and NOT NULL did not run (issue 28, 5). 040 (045 on a partitioned
-- events) and 050 skip themselves while any events.has_embedding is NULL; Liquibase then logs only their
-- own preconditions' "Expected '0' got '1'" (released files: their wording cannot change). This check
-- stands just before them and says what they wait for, in the same kind of line:
--   Continuing past: ...039-deferred-notice... due to: SQL Precondition failed. Expected '...' got '<the reason>'
-- A check that is never recorded, like the preflight: the query never returns the expected 'never', so the
-- precondition always fails and onFail:CONTINUE skips the changeSet without a history row. On any other
-- update it logs one short line ("nothing of this module deferred"). Its text is read with query_to_xml,
-- so that the query parses where events.has_embedding does not exist (the pending-table design).
--changeset ehe:039-deferred-notice logicalFilePath:changelog/changes/039-deferred-notice.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:never SELECT CASE WHEN '${ehe.design}' = 'column' AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('${ehe.schema}.events') AND attname = 'has_embedding' AND NOT attisdropped) AND query_to_xml('SELECT 1 AS x FROM ${ehe.schema}.events WHERE has_embedding IS NULL LIMIT 1', false, true, '')::text <> '' THEN 'events-has-embedding: the index (040-pending-embedding-index, or 045 on a partitioned events) and NOT NULL (050-has-embedding-not-null) are deferred, skipped and not recorded, because events.has_embedding still has NULL rows: the backfill is not complete. Run the runner''s backfill (backfill --then-migrate applies them), or this update again after it' ELSE 'nothing of this module deferred' END
--comment: A notice, never recorded: says why 040/045 and 050 are skipped (events.has_embedding still NULL somewhere: run the backfill).
SELECT 1;
--rollback SELECT 1;
