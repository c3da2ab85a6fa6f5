package io.ehe.migration;

import io.ehe.db.ConnectionFactory;
import io.ehe.db.Schemas;
import io.ehe.db.DatabaseUrl;
import io.ehe.catalog.Design;
import liquibase.Contexts;
import liquibase.LabelExpression;
import liquibase.Liquibase;
import liquibase.Scope;
import liquibase.changelog.ChangeLogHistoryServiceFactory;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.FastCheckService;
import liquibase.changelog.RanChangeSet;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.lockservice.LockService;
import liquibase.lockservice.LockServiceFactory;
import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.ui.LoggerUIService;

import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs this module's changelog through Liquibase on one fresh connection per call. The changelog is
 * read from the classpath (io/ehe/events-has-embedding/, as the thin jar an app depends on holds it);
 * every changeSet pins its logicalFilePath, so the runner, the Liquibase CLI from the repository root
 * and an app's Liquibase record the same DATABASECHANGELOG rows. Each run first refuses a history
 * where they were recorded under another path ({@link HistoryPaths}).
 *
 * Sessions come in two kinds. Writing sessions carry {@code lock_timeout} as a startup option (see
 * {@link SessionOptions}), so Liquibase's own statements never queue behind a long transaction
 * either. Read-only sessions (dry runs, status) start with {@code default_transaction_read_only}: whatever
 * Liquibase might try to write, the server refuses it, so a dry run cannot change anything.
 */
public final class ChangelogRunner {

    public static final String CHANGELOG = "io/ehe/events-has-embedding/db.changelog-master.yaml";
    /** The label of changeSets whose precondition defers them until the backfill is complete (040, 050). */
    public static final String DEFERRED_LABEL = "deferred";
    /**
     * The changeSet that only checks (changes/000-00-preflight.sql): never recorded, so it is no step of
     * the rollout and is left out of every list and plan.
     */
    public static final String PREFLIGHT_ID = "000-00-preflight";
    /**
     * The second check (changes/000-01-design-guard.sql): never recorded either. It stops an update whose
     * ehe.design is not the design installed alone; the runner allows that ({@link #ALLOW_SECOND_DESIGN}):
     * it keeps the installed design itself unless one is named (a move between designs).
     */
    public static final String DESIGN_GUARD_ID = "000-01-design-guard";
    static final String ALLOW_SECOND_DESIGN = "ehe.allow_second_design";
    /** The third (changes/039-deferred-notice.sql): never recorded, says in Liquibase's log why 040/045 and 050 wait. */
    public static final String DEFERRED_NOTICE_ID = "039-deferred-notice";
    /** The dev-only baseline (changes/000-baseline-tables.sql): runs only with ehe.baseline=true on a database without the tables. */
    public static final String BASELINE_ID = "000-baseline-tables";
    private static final Set<String> CHECKS = Set.of(PREFLIGHT_ID, DESIGN_GUARD_ID, DEFERRED_NOTICE_ID);

    static {
        // Liquibase 4.30+ may phone home with usage data; a migration runner in production must not.
        System.setProperty("liquibase.analytics.enabled", "false");
        System.setProperty("liquibase.showBanner", "false");
        System.setProperty("liquibase.command.showSummaryOutput", "log");
        LogBridge.install();
    }

    private enum Mode { WRITE, READ_ONLY }

    private final ConnectionFactory connections;
    private final ConnectionFactory writeConnections;
    private final MigrationSettings settings;
    private List<String> readerRoles;
    /** The reader list the current run passes (ReaderRoles.parameter): set before the work starts. */
    private String readersParameter = ReaderRoles.NONE;
    private Interruption interruption;
    private WaitWatch watch;
    private List<String> queueRoles;

    public ChangelogRunner(ConnectionFactory connections, MigrationSettings settings) {
        this.connections = connections;
        this.settings = settings;
        DatabaseUrl withTimeout = SessionOptions.withLockTimeouts(connections.url(), settings.lockTimeout(), settings.indexLockTimeout());
        this.writeConnections = connections.at(withTimeout);
    }

    public MigrationSettings settings() {
        return settings;
    }

    /**
     * The roles that read the answer (changeSets 175, {@link ReaderRoles}); null, the default, keeps
     * the ones the database records (a design installed beside the other takes the other's). "none"
     * alone names none.
     */
    public ChangelogRunner readerRoles(List<String> roles) {
        this.readerRoles = roles == null ? null : List.copyOf(roles);
        return this;
    }

    /** SIGINT/SIGTERM reach this runner's writing sessions through {@code interruption} (see {@link Interruption}); null: none. */
    public ChangelogRunner interruptibleBy(Interruption interruption) {
        this.interruption = interruption;
        return this;
    }

    /** The watch told which session writes and which changeSet runs ({@link WaitWatch}); null: none. */
    ChangelogRunner watchedBy(WaitWatch watch) {
        this.watch = watch;
        return this;
    }

    /**
     * The roles that work the queue (changeSet 185, {@link QueueRoles}); null, the default, keeps the
     * ones the database records. "none" alone names none.
     */
    public ChangelogRunner queueRoles(List<String> roles) {
        this.queueRoles = roles == null ? null : List.copyOf(roles);
        return this;
    }

    /** Queue roles were named for this run (not "none" alone): 185 will apply even where it never ran. */
    public boolean namesQueueRoles() {
        return QueueRoles.namesAny(queueRoles);
    }

    /** Applies every pending changeSet (or the next {@code count}), tagging the result when asked. */
    public void update(String tag, Integer count) throws Exception {
        run(Mode.WRITE, lb -> {
            RolloutPlan plan = plan(lb);
            plan.leaveOutRefused();
            if (settings.design() == Design.COLUMN) {
                buildPartitionedIndexIfDue(lb);
            }
            if (count != null) {
                lb.update(plan.liquibaseCount(count), new Contexts(), designOnly());
            } else {
                lb.update(new Contexts(), designOnly());
            }
            if (tag != null) {
                lb.tag(tag);
            }
            return null;
        });
    }

    /** The SQL an update would run, executing nothing but the read-only precondition queries. */
    public String updateSql(Integer count) throws Exception {
        return dryRunUpdate(count).sql();
    }

    /**
     * What an update would do, on a read-only session: the plan per pending changeSet (preconditions
     * judged against the live database) and the SQL, without what the preconditions would skip.
     */
    public DryRunResult dryRunUpdate(Integer count) throws Exception {
        return run(Mode.READ_ONLY, lb -> {
            RolloutPlan rollout = plan(lb);
            rollout.leaveOutRefused();
            List<PlannedChangeSet> plan = DryRunPlanner.plan(lb, rollout, count);
            StringWriter out = new StringWriter();
            Connection c = ((JdbcConnection) lb.getDatabase().getConnection()).getUnderlyingConnection();
            if (settings.design() == Design.COLUMN && PartitionedIndexBuilder.due(c)) {
                out.write("-- Before the update, the runner builds 040's index on the partitioned events, leaf by leaf (045 then records it):\n");
                PartitionedIndexBuilder.plan(c, sql -> out.write("--   " + sql + "\n"));
            }
            lb.getDatabase().rollback();
            if (count != null) {
                lb.update(rollout.liquibaseCount(count), new Contexts(), designOnly(), out);
            } else {
                lb.update(new Contexts(), designOnly(), out);
            }
            return new DryRunResult(plan, out.toString());
        });
    }

    public void rollbackCount(int count) throws Exception {
        rollbackCount(count, null);
    }

    /**
     * Rolls back the newest {@code count} applied changeSets of {@code design} (every design when
     * null), leaving the other design's changeSets applied even when they are newer: Liquibase
     * counts only the changeSets its label filter lets through.
     */
    public void rollbackCount(int count, Design design) throws Exception {
        run(Mode.WRITE, lb -> {
            lb.rollback(count, null, new Contexts(), labels(design));
            return null;
        });
    }

    public String rollbackCountSql(int count) throws Exception {
        return rollbackCountSql(count, null);
    }

    public String rollbackCountSql(int count, Design design) throws Exception {
        return run(Mode.READ_ONLY, lb -> {
            StringWriter out = new StringWriter();
            lb.rollback(count, null, new Contexts(), labels(design), out);
            return out.toString();
        });
    }

    /**
     * 045's work on a partitioned events (see {@link PartitionedIndexBuilder}), under Liquibase's lock,
     * on this run's session switched to autocommit for it (CREATE INDEX CONCURRENTLY).
     */
    private static void buildPartitionedIndexIfDue(Liquibase lb) throws Exception {
        Database database = lb.getDatabase();
        Connection c = ((JdbcConnection) database.getConnection()).getUnderlyingConnection();
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try {
            if (!PartitionedIndexBuilder.due(c)) {
                return;
            }
            LockService lock = LockServiceFactory.getInstance().getLockService(database);
            lock.waitForLock();
            try {
                PartitionedIndexBuilder.build(c);
            } finally {
                lock.releaseLock();
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /** An update installs only the chosen design; changeSets without a label (the baseline) always pass. */
    private LabelExpression designOnly() {
        return labels(settings.design());
    }

    private static LabelExpression labels(Design design) {
        return design == null ? new LabelExpression() : new LabelExpression(design.id());
    }

    public void rollbackToTag(String tag) throws Exception {
        run(Mode.WRITE, lb -> {
            requireTag(lb, tag);
            lb.rollback(tag, null, new Contexts(), new LabelExpression());
            return null;
        });
    }

    public String rollbackToTagSql(String tag) throws Exception {
        return run(Mode.READ_ONLY, lb -> {
            requireTag(lb, tag);
            StringWriter out = new StringWriter();
            lb.rollback(tag, null, new Contexts(), new LabelExpression(), out);
            return out.toString();
        });
    }

    /**
     * How many applied changeSets come after {@code changeSetId} (which itself stays applied): the
     * count that rolls the database back to just after it.
     */
    public int countAppliedAfter(String changeSetId) throws Exception {
        return run(Mode.READ_ONLY, lb -> {
            List<RanChangeSet> ran = lb.getDatabase().getRanChangeSetList();
            int position = -1;
            for (int i = 0; i < ran.size(); i++) {
                if (ran.get(i).getId().equals(changeSetId)) {
                    position = i;
                }
            }
            if (position < 0) {
                throw new UnknownTargetException("changeSet '" + changeSetId + "' is not applied on this database");
            }
            return ran.size() - 1 - position;
        });
    }

    /** Ids of the applied changeSets, oldest first (DATABASECHANGELOG order). */
    public List<String> appliedIds() throws Exception {
        return run(Mode.READ_ONLY, lb -> {
            List<String> ids = new ArrayList<>();
            for (RanChangeSet r : lb.getDatabase().getRanChangeSetList()) {
                ids.add(r.getId());
            }
            return ids;
        });
    }

    /**
     * Every changeSet of the changelog in order, with whether it ran here (read-only); a reader-grants
     * changeSet (175) only once it ran or while this run passes readers (named, or carried from the other
     * design), the queue grants (185) only once they ran or while this run names queue roles.
     */
    public List<ChangeSetState> changeSets() throws Exception {
        return run(Mode.READ_ONLY, lb -> plan(lb).states());
    }

    /** This run's plan ({@link RolloutPlan}), read on its session once the reader list is known. */
    private RolloutPlan plan(Liquibase lb) throws Exception {
        return RolloutPlan.read(lb, settings, !ReaderRoles.NONE.equals(readersParameter), namesQueueRoles());
    }

    /** One of the checks that are never recorded (the preflight, the design guard, the deferred notice): no step of the rollout. */
    static boolean isPreflight(ChangeSet cs) {
        return CHECKS.contains(cs.getId());
    }

    /** The design a changeSet belongs to (its label); null for the baseline, which belongs to none. */
    static Design designOf(ChangeSet cs) {
        if (cs.getLabels() == null) {
            return null;
        }
        for (Design d : Design.values()) {
            if (cs.getLabels().getLabels().contains(d.id())) {
                return d;
            }
        }
        return null;
    }

    private static void requireTag(Liquibase lb, String tag) throws Exception {
        if (!lb.tagExists(tag)) {
            throw new UnknownTargetException("tag '" + tag + "' does not exist on this database");
        }
    }

    @FunctionalInterface
    private interface Work<T> {
        T apply(Liquibase liquibase) throws Exception;
    }

    private <T> T run(Mode mode, Work<T> work) throws Exception {
        try (Connection connection = open(mode)) {
            if (mode == Mode.WRITE && interruption != null) {
                interruption.register(connection);
            }
            if (mode == Mode.WRITE && watch != null) {
                watch.session(connection.unwrap(org.postgresql.PGConnection.class).getBackendPID());
            }
            try {
                return runOn(mode, connection, work);
            } finally {
                if (interruption != null) {
                    interruption.unregister(connection);
                }
                if (mode == Mode.WRITE && watch != null) {
                    watch.session(0);
                }
            }
        }
    }

    private <T> T runOn(Mode mode, Connection connection, Work<T> work) throws Exception {
        String readers = ReaderRoles.parameter(connection, settings.design(), readerRoles);
        readersParameter = readers;
        String workers = QueueRoles.parameter(connection, queueRoles);
        Database database = database(mode, connection, interruption, mode == Mode.WRITE ? watch : null, connections.schemas().module());
        if (LockServiceFactory.getInstance().getLockService(database) instanceof AdvisoryLockService lock) {
            lock.logWaitEvery(settings.waitLogEvery().toMillis());
        }
        Map<String, Object> scope = new HashMap<>();
        scope.put(Scope.Attr.ui.name(), new LoggerUIService());
        scope.put(Scope.Attr.resourceAccessor.name(), new ClassLoaderResourceAccessor(ChangelogRunner.class.getClassLoader()));
        return Scope.child(scope, () -> {
            Liquibase liquibase = new Liquibase(CHANGELOG, Scope.getCurrentScope().getResourceAccessor(), database);
            if (mode == Mode.WRITE && watch != null) {
                liquibase.setChangeExecListener(new InFlight(watch));
            }
            liquibase.setChangeLogParameter("ehe.baseline", Boolean.toString(settings.withBaseline()));
            liquibase.setChangeLogParameter("ehe.design", settings.design().id());
            liquibase.setChangeLogParameter(ALLOW_SECOND_DESIGN, "true");
            liquibase.setChangeLogParameter(Schemas.TABLES_PARAMETER, connections.schemas().tables());
            liquibase.setChangeLogParameter(Schemas.MODULE_PARAMETER, connections.schemas().module());
            liquibase.setChangeLogParameter(ReaderRoles.PARAMETER, readers);
            liquibase.setChangeLogParameter(QueueRoles.PARAMETER, workers);
            try {
                HistoryPaths.requireOwn(liquibase.getDatabaseChangeLog().getChangeSets(), database.getRanChangeSetList());
                return work.apply(liquibase);
            } finally {
                // Releases the advisory lock if a command left it held; the session ends right after.
                try {
                    liquibase.close();
                } catch (Exception ignored) {
                    // closing a connection that already failed
                }
                forgetCachedState();
            }
        });
    }

    /**
     * Writing runs pair each changeSet with its history row ({@link AtomicChangeSetDatabase}). Both kinds
     * pin the history to the module schema ({@link Schemas#module()}, public by default): left to itself Liquibase takes the session's
     * current_schema(), which a schema named after the role ("$user" first on the default search_path)
     * or a role-level search_path moves, and then one command finds no history another one wrote.
     */
    private static Database database(Mode mode, Connection connection, Interruption interruption, WaitWatch watch,
                                     String historySchema) throws Exception {
        Database database;
        if (mode == Mode.WRITE) {
            database = new AtomicChangeSetDatabase(interruption, watch);
            database.setConnection(new JdbcConnection(connection));
        } else {
            database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(connection));
        }
        database.setDefaultSchemaName(historySchema);
        database.setLiquibaseSchemaName(historySchema);
        return database;
    }

    /** Tells the watch which changeSet an update or a rollback runs now. */
    private static final class InFlight extends liquibase.changelog.visitor.AbstractChangeExecListener {
        private final WaitWatch watch;

        InFlight(WaitWatch watch) {
            this.watch = watch;
        }

        @Override
        public void willRun(ChangeSet changeSet, liquibase.changelog.DatabaseChangeLog log, Database database, ChangeSet.RunStatus status) {
            watch.changeSet(changeSet.getId());
        }

        @Override
        public void willRun(liquibase.change.Change change, ChangeSet changeSet, liquibase.changelog.DatabaseChangeLog log, Database database) {
            watch.changeSet(changeSet.getId());
        }

        @Override
        public void willRollback(ChangeSet changeSet, liquibase.changelog.DatabaseChangeLog log, Database database) {
            watch.changeSet(changeSet.getId());
        }
    }

    private Connection open(Mode mode) throws SQLException {
        if (mode == Mode.WRITE) {
            Connection c = writeConnections.open();
            try {
                SessionOptions.requireTimeouts(c, settings.lockTimeout());
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            return c;
        }
        return connections.readOnly().open();
    }

    /** Liquibase's history table exists: this module (or Liquibase) has run on this database before. */
    public static boolean changelogTableExists(Connection connection, Schemas schemas) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT to_regclass(? || '.databasechangelog') IS NOT NULL")) {
            ps.setString(1, schemas.module());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Liquibase caches the ran-changeSet list and the lock service per Database, and Database
     * equality is by URL: the next run on a new connection to the same database would otherwise see
     * the previous run's history (a rolled-back changeSet still "ran") and a lock service bound to a
     * closed connection.
     */
    private static void forgetCachedState() {
        // Also the "database is up to date" fast check: after a rollback it would skip the update.
        Scope.getCurrentScope().getSingleton(FastCheckService.class).clearCache();
        ChangeLogHistoryServiceFactory.getInstance().resetAll();
        LockServiceFactory.getInstance().resetAll();
    }
}
