package io.ehe.migration;

import java.util.List;

/** A dry run: what would happen to each pending changeSet, and the SQL Liquibase would run. */
public record DryRunResult(List<PlannedChangeSet> plan, String sql) {
}
