--liquibase formatted sql

-- The design is chosen once per database (issue 28, 5), in every Liquibase that runs this changelog
-- (the runner, an app's Maven plugin, Spring Boot, the Liquibase CLI).
--
-- ehe.design defaults to column (000-00-preflight), and each changeSet's own precondition only asks
-- for the parameter. So an app's later update that forgets -Dehe.design=pending-table installed the
-- column design beside a pending-table one (and the reverse), silently. This check stands before the
-- first changeSet of either design and stops such an update instead.
--
-- Parameter: ehe.allow_second_design (default false). true says "install the design named beside the
-- one installed": the first step of a move between designs (docs/runbooks.md). The runner passes true:
-- it chooses the design itself and keeps the installed one unless --design / EHE_DESIGN names another.
--property name:ehe.allow_second_design value:false

-- Like the preflight, a check that is never recorded:
-- 1. All is well (neither design installed, the named one installed, both installed in the middle of a
--    move, or the second design allowed): the query returns 0, the precondition fails, onFail:CONTINUE
--    skips the changeSet and records nothing (no history row, no checksum).
-- 2. The other design alone is installed: the query fails on purpose (a text that is no integer, which
--    carries the reason), onError:HALT stops the update before any changeSet of the design named.
--    Installed is what the runner calls installed (io.ehe.catalog.Design.installed): the column design by
--    events.has_embedding or one of its triggers, the pending-table design by its table.
--changeset ehe:000-01-design-guard logicalFilePath:changelog/changes/000-01-design-guard.sql
--preconditions onFail:CONTINUE onError:HALT
--precondition-sql-check expectedResult:1 SELECT CASE WHEN '${ehe.allow_second_design}' <> 'true' AND '${ehe.design}' = 'column' AND to_regclass('${ehe.module_schema}.event_embedding_pending') IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('${ehe.schema}.events') AND attname = 'has_embedding' AND NOT attisdropped) AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname LIKE 'trg_event_embeddings_has_embedding_%' AND NOT tgisinternal) THEN CAST('events-has-embedding: this database has the pending-table design and ehe.design is column (the default when the parameter is not given): set ehe.design=pending-table (Spring Boot: spring.liquibase.parameters.ehe.design; CLI: -Dehe.design=pending-table); to install the column design beside it on purpose (a move between designs, docs/runbooks.md) also set ehe.allow_second_design=true; nothing was changed in database ' || current_database() AS integer) WHEN '${ehe.allow_second_design}' <> 'true' AND '${ehe.design}' = 'pending-table' AND to_regclass('${ehe.module_schema}.event_embedding_pending') IS NULL AND (EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('${ehe.schema}.events') AND attname = 'has_embedding' AND NOT attisdropped) OR EXISTS (SELECT 1 FROM pg_trigger WHERE tgname LIKE 'trg_event_embeddings_has_embedding_%' AND NOT tgisinternal)) THEN CAST('events-has-embedding: this database has the column design and ehe.design is pending-table: to install the pending-table design beside it on purpose (a move between designs, docs/runbooks.md) also set ehe.allow_second_design=true; else leave ehe.design unset (column); nothing was changed in database ' || current_database() AS integer) ELSE 0 END
--comment: A check, never recorded: stops an update that would install one design beside the other one installed alone, unless ehe.allow_second_design=true (a move between designs).
SELECT 1;
--rollback SELECT 1;
