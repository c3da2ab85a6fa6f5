package io.ehe.migration;

import liquibase.change.Change;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.database.core.PostgresDatabase;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.DatabaseException;
import liquibase.exception.LiquibaseException;
import liquibase.sql.visitor.SqlVisitor;
import liquibase.statement.SqlStatement;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * PostgreSQL as Liquibase sees it, except that a transactional changeSet and its DATABASECHANGELOG
 * row commit together.
 *
 * Stock Liquibase commits the changeSet's DDL, then inserts the history row in a second
 * transaction. When that insert is refused (another session holds a lock on the history table, the
 * runner is killed in between) the DDL stays applied but unrecorded, and every later run fails on
 * "already exists". Here the history table is locked (ROW EXCLUSIVE, what the insert needs) before
 * the changeSet's first statement, so a refusal comes before any DDL and while nothing else of the
 * changeSet is held; commits are held back until the row is written, so both commit or neither.
 * Changesets that run outside a transaction (CREATE INDEX CONCURRENTLY) cannot join one and keep the
 * stock order; theirs must be safe to run again.
 *
 * Rollback is paired the same way: stock Liquibase commits a changeSet's rollback statements, then
 * deletes its history row and commits again, so a kill or a refused delete in between left a
 * changeSet undone but recorded as applied. The history table is locked before the first rollback
 * statement and the commit is held back until {@link #removeRanStatus} has deleted the row. A
 * changeSet's rollback runs in a transaction exactly when Liquibase turned autocommit off for it
 * (ChangeSet.rollback sets autocommit to "not runInTransaction"); the rollback statements carry no
 * changeSet to ask.
 */
final class AtomicChangeSetDatabase extends PostgresDatabase {

    private boolean holdingCommit;
    private final Interruption interruption;
    private final WaitWatch watch;

    /**
     * {@code interruption}: a stop asked before a change (or a changeSet's rollback) starts refuses it (null: never);
     * {@code watch}: told the changeSet of each change before it runs, so a lock wait names it (null: none).
     */
    AtomicChangeSetDatabase(Interruption interruption, WaitWatch watch) {
        this.interruption = interruption;
        this.watch = watch;
    }

    @Override
    public void executeStatements(Change change, DatabaseChangeLog changeLog, List<SqlVisitor> sqlVisitors) throws LiquibaseException {
        ChangeSet changeSet = change.getChangeSet();
        if (interruption != null && interruption.requested()) {
            // A signal between two statements cancelled nothing: no change starts after it (Interruption, 3).
            throw new DatabaseException("stopped by a signal before " + (changeSet == null ? "the next change" : "changeSet " + changeSet.getId()) + " started");
        }
        if (watch != null && changeSet != null) {
            watch.changeSet(changeSet.getId());
        }
        if (!holdingCommit && changeSet != null && changeSet.isRunInTransaction()) {
            lockHistoryTable();
            holdingCommit = true;
        }
        super.executeStatements(change, changeLog, sqlVisitors);
    }

    @Override
    public void executeRollbackStatements(Change change, List<SqlVisitor> sqlVisitors) throws LiquibaseException {
        if (watch != null && change.getChangeSet() != null) {
            watch.changeSet(change.getChangeSet().getId());
        }
        holdCommitOfRollback();
        super.executeRollbackStatements(change, sqlVisitors);
    }

    @Override
    public void executeRollbackStatements(SqlStatement[] statements, List<SqlVisitor> sqlVisitors) throws LiquibaseException {
        holdCommitOfRollback();
        super.executeRollbackStatements(statements, sqlVisitors);
    }

    /**
     * A changeSet's --rollback SQL reaches here as one call (Liquibase gathers its statements), so the
     * check is "before this changeSet's rollback starts": a stop asked between two changeSets' rollbacks
     * starts no other (Interruption, 3), and the one it would have started keeps its history row.
     */
    private void holdCommitOfRollback() throws DatabaseException {
        if (!holdingCommit && interruption != null && interruption.requested()) {
            throw new DatabaseException("stopped by a signal before the next changeSet's rollback started");
        }
        if (!holdingCommit && !getConnection().getAutoCommit()) {
            lockHistoryTable();
            holdingCommit = true;
        }
    }

    /** The rolled-back changeSet's history row is gone: its rollback and the delete commit together. */
    @Override
    public void removeRanStatus(ChangeSet changeSet) throws DatabaseException {
        super.removeRanStatus(changeSet);
        if (holdingCommit) {
            holdingCommit = false;
            super.commit();
        }
    }

    private void lockHistoryTable() throws DatabaseException {
        String table = escapeTableName(getLiquibaseCatalogName(), getLiquibaseSchemaName(), getDatabaseChangeLogTableName());
        try (Statement st = ((JdbcConnection) getConnection()).getUnderlyingConnection().createStatement()) {
            st.execute("LOCK TABLE " + table + " IN ROW EXCLUSIVE MODE");
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }

    /** Held back between a transactional changeSet's (or its rollback's) first statement and its history row. */
    @Override
    public void commit() throws DatabaseException {
        if (!holdingCommit) {
            super.commit();
        }
    }

    @Override
    public void rollback() throws DatabaseException {
        holdingCommit = false;
        super.rollback();
    }

    @Override
    public void markChangeSetExecStatus(ChangeSet changeSet, ChangeSet.ExecType execType) throws DatabaseException {
        super.markChangeSetExecStatus(changeSet, execType);
        if (holdingCommit) {
            holdingCommit = false;
            super.commit();
        }
    }
}
