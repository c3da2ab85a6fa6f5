package io.ehe.backfill;

import io.ehe.db.ConnectionFactory;
import io.ehe.db.PgDuration;
import io.ehe.migration.MigrationSettings;
import io.ehe.migration.Migrator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Fills events.has_embedding for the rows that are still NULL, in small transactions, while the
 * application and the has_embedding triggers keep writing.
 *
 * <p>How it works:
 * <ol>
 * <li>Plan: the shard's row in the progress table holds its id range (fixed by the first process
 *     of the plan) and its cursor {@code last_id}.</li>
 * <li>Walk: the next window is the next {@code n} ids after the cursor in primary-key order
 *     ({@code ORDER BY id LIMIT n}, never OFFSET); its last id is the batch's upper bound. One
 *     transaction per batch, under SET LOCAL lock_timeout and statement_timeout, runs one statement
 *     that locks the window's NULL rows {@code FOR NO KEY UPDATE SKIP LOCKED}, sets each still-NULL
 *     row to {@code EXISTS(embedding row)}, and moves the cursor to the upper bound.</li>
 * <li>Sweep: when the walk reaches the end of the range, every row still NULL in it (skipped
 *     because it was locked) is found and filled the same way, by id, retrying while locked.</li>
 * <li>Done: the shard is marked done; the last shard to finish may apply the deferred changeSets.</li>
 * </ol>
 * The walk itself (steps 1, 2 and 4) is shared with the pending-table design's bootstrap, which
 * brings its own batch as a {@link FillStep}; the batch and the sweep described here are the column
 * design's ({@link BatchExecutor}, {@link FinalSweep}).
 *
 * <p>Why it never replaces a trigger's value with a stale one (READ COMMITTED; triggers in
 * changelog/changes/020):
 * <ol>
 * <li>Every trigger that touches an event locks its row FOR NO KEY UPDATE before deciding, and, when
 *     the row is NULL, writes true or false (NULL IS DISTINCT FROM both); it holds the lock until its
 *     transaction ends. Nothing ever writes NULL.</li>
 * <li>Our statement only writes rows it has locked itself, and only if {@code has_embedding IS NULL}
 *     holds on the locked (latest) version: on a concurrently updated row PostgreSQL re-checks the
 *     condition on the newest version before locking and again before updating.</li>
 * <li>A row a trigger (or any writer) holds locked is skipped, not waited for: we never queue behind
 *     the application, and whatever that transaction does is left to it or to the sweep.</li>
 * <li>A trigger that committed before we lock made the row non-NULL: the re-check fails, we leave it.</li>
 * <li>A trigger that comes after our lock waits for our commit, then decides in a new statement that
 *     sees our value and its own embedding change, and writes the right value over ours.</li>
 * <li>So our EXISTS, judged on our statement's snapshot, can only be written while no embedding
 *     change for that event is in flight: any change committed before our snapshot is in it, any
 *     later one is case 3, 4 or 5.</li>
 * <li>Data and cursor commit in the same transaction, so after SIGKILL the cursor is never ahead of
 *     the data; a killed batch rolls back whole and the restart walks it again (bounded re-reads).</li>
 * </ol>
 */
public final class Backfill {

    private static final Logger LOG = LoggerFactory.getLogger("backfill");

    private final ConnectionFactory connections;
    private final BackfillSettings settings;
    private final BackfillListener listener;
    private final StopSignal stop;
    private final FillStep step;

    private Backfill(ConnectionFactory connections, BackfillSettings settings, BackfillListener listener, StopSignal stop,
                     FillStep step) {
        this.connections = connections;
        this.settings = settings;
        this.listener = listener;
        this.stop = stop;
        this.step = step;
    }

    /** The column design's backfill: runs to completion, a limit, or a stop request on {@code stop}. */
    public static BackfillSummary run(ConnectionFactory connections, BackfillSettings settings, BackfillListener listener,
                                      StopSignal stop) throws Exception {
        return run(connections, settings, listener, stop, new BatchExecutor(settings));
    }

    /**
     * The same walk with another design's batch (the pending-table bootstrap): plan, cursor, retries,
     * stop signal, progress lines and shards as above; what a batch writes, and why that is safe, is
     * the step's own argument.
     */
    public static BackfillSummary run(ConnectionFactory connections, BackfillSettings settings, BackfillListener listener,
                                      StopSignal stop, FillStep step) throws Exception {
        return new Backfill(connections, settings, listener == null ? BackfillListener.NONE : listener,
                stop == null ? new StopSignal() : stop, step).run();
    }

    public static BackfillSummary run(ConnectionFactory connections, BackfillSettings settings, BackfillListener listener)
            throws Exception {
        return run(connections, settings, listener, new StopSignal());
    }

    private BackfillSummary run() throws Exception {
        long started = System.nanoTime();
        Shard shard = settings.shard();
        BatchSizer sizer = new BatchSizer(settings);
        Counters counters = new Counters();
        try (Session session = new Session(connections, settings.lockTimeout())) {
            // The first connection is not retried: an unreachable or wrong database fails at once.
            step.requireSchema(session.get());
            Retrier retrier = new Retrier(session, settings.maxRetries(), stop, sizer::onTimeout);
            String lockTimeout = PgDuration.toSetting(settings.lockTimeout());
            ShardProgress progress = retrier.run("planning", c -> ProgressStore.readOrPlan(c, step.progressTable(), shard, lockTimeout));
            if (progress == null) {
                return summary(BackfillSummary.Status.STOPPED, started, counters, retrier, 0, 0, sizer, false, false);
            }
            if (progress.done()) {
                LOG.info("backfill {}: already complete ({} over {} batches); nothing to do", shard,
                        String.format(step.countsFormat(), progress.rowsTrue(), progress.rowsFalse()), progress.batches());
                boolean all = retrier.run("reading the plan", c -> allDone(c, step.progressTable(), shard));
                boolean migrated = all && migrateIfAsked();
                return summary(BackfillSummary.Status.ALREADY_COMPLETE, started, counters, retrier, 0, 0, sizer, all, migrated);
            }
            LOG.info("backfill {}: ids ({}, {}], resuming after id {}{}", shard, ShardProgress.bound(progress.rangeStart()),
                    ShardProgress.bound(progress.rangeEnd()), ShardProgress.bound(progress.lastId()), progress.walked() ? " (walk finished; sweeping)" : "");
            TableEstimate estimate = retrier.run("estimating", TableEstimate::read);
            ProgressReporter reporter = new ProgressReporter(progress, estimate, settings.progressInterval(), listener, step.countsFormat());
            if (!progress.walked()) {
                Optional<BackfillSummary.Status> stopped = walk(progress, retrier, sizer, counters, reporter, started);
                if (stopped.isPresent()) {
                    return summary(stopped.get(), started, counters, retrier, 0, 0, sizer, false, false);
                }
            }

            Optional<FinalSweep> sweeper = step.sweep(settings, retrier, stop, listener);
            FinalSweep.Result sweep = sweeper.isPresent() ? sweeper.get().run(progress, counters, sizer)
                    : new FinalSweep.Result(FinalSweep.Outcome.CLEAN, 0, 0);
            switch (sweep.outcome()) {
                case STOPPED:
                    return summary(BackfillSummary.Status.STOPPED, started, counters, retrier, sweep.filled(),
                            sweep.stillLocked(), sizer, false, false);
                case ROWS_LOCKED:
                    LOG.warn("backfill {}: {} row(s) stayed locked by other transactions through {} retries; run the backfill again",
                            shard, sweep.stillLocked(), settings.maxRetries());
                    return summary(BackfillSummary.Status.ROWS_LOCKED, started, counters, retrier, sweep.filled(),
                            sweep.stillLocked(), sizer, false, false);
                default:
                    break;
            }
            Boolean all = retrier.run("marking done", c -> ProgressStore.markDone(c, step.progressTable(), shard, lockTimeout, step));
            boolean allDone = all != null && all;
            if (settings.thenMigrate() && !allDone) {
                LOG.info("backfill {}: other shards are still running; the last one to finish applies the deferred changeSets", shard);
            }
            boolean migrated = allDone && migrateIfAsked();
            return summary(BackfillSummary.Status.COMPLETE, started, counters, retrier, sweep.filled(), 0, sizer, allDone, migrated);
        }
    }

    /** The keyset walk; a status when it stopped early (limit, signal), empty when it reached the end. */
    private Optional<BackfillSummary.Status> walk(ShardProgress progress, Retrier retrier,
                                                  BatchSizer sizer, Counters counters, ProgressReporter reporter,
                                                  long started) throws SQLException {
        Shard shard = progress.shard();
        long walked = progress.rowsScanned();
        long setTrue = progress.rowsTrue();
        long setFalse = progress.rowsFalse();
        long cursor = progress.lastId();
        while (true) {
            if (stop.requested()) {
                LOG.info("backfill {}: stopping ({}) after the last committed batch; safe to resume", shard, stop.reason());
                return Optional.of(BackfillSummary.Status.STOPPED);
            }
            if (settings.maxDuration() != null && System.nanoTime() - started >= settings.maxDuration().toNanos()) {
                LOG.info("backfill {}: --max-duration {} reached; safe to resume", shard, PgDuration.human(settings.maxDuration()));
                return Optional.of(BackfillSummary.Status.MAX_DURATION);
            }
            int limit = sizer.next();
            if (settings.maxRows() > 0) {
                long room = settings.maxRows() - counters.rowsScanned;
                if (room <= 0) {
                    LOG.info("backfill {}: --max-rows {} reached; safe to resume", shard, settings.maxRows());
                    return Optional.of(BackfillSummary.Status.MAX_ROWS);
                }
                limit = (int) Math.min(limit, room);
            }
            int size = limit;
            Optional<BatchResult> next = retrier.run("batch after id " + cursor, c -> step.walkNext(c, shard, size));
            if (next == null) {
                return Optional.of(BackfillSummary.Status.STOPPED);
            }
            if (next.isEmpty()) {
                retrier.run("marking walked", c -> {
                    ProgressStore.markWalked(c, step.progressTable(), shard);
                    return Boolean.TRUE;
                });
                reporter.report(cursor, walked, setTrue, setFalse, counters.rowsScanned, sizer.next());
                return Optional.empty();
            }
            BatchResult batch = next.get();
            counters.add(batch);
            cursor = batch.toInclusive();
            walked += batch.scanned();
            setTrue += batch.setTrue();
            setFalse += batch.setFalse();
            sizer.observe(batch.scanned(), batch.lockHeld());
            listener.onBatch(batch);
            reporter.maybeReport(cursor, walked, setTrue, setFalse, counters.rowsScanned, sizer.next());
            stop.sleep(settings.sleep());
        }
    }

    private boolean migrateIfAsked() throws Exception {
        if (!settings.thenMigrate()) {
            return false;
        }
        LOG.info("backfill complete: applying the {} design's deferred changeSets, if any", step.design().id());
        new Migrator(connections, MigrationSettings.defaults().withDesign(step.design())).migrate(null, null);
        return true;
    }

    private static boolean allDone(Connection c, String table, Shard shard) throws SQLException {
        List<ShardProgress> plan = ProgressStore.readPlan(c, table, shard.count());
        c.commit();
        return plan.size() == shard.count() && plan.stream().allMatch(ShardProgress::done);
    }

    private BackfillSummary summary(BackfillSummary.Status status, long started, Counters counters, Retrier retrier,
                                    long sweepFilled, long leftLocked, BatchSizer sizer, boolean allDone, boolean migrated) {
        BackfillSummary s = new BackfillSummary(status, settings.shard(), counters.rowsTrue, counters.rowsFalse,
                counters.batches, retrier.retries(), counters.rowsScanned, sweepFilled, leftLocked,
                Duration.ofNanos(System.nanoTime() - started), List.copyOf(counters.lockHolds), sizer.next(), allDone, migrated,
                step.countKeys());
        // The CLI prints s.line() on stdout: the log line says the same in short, so a terminal shows the
        // summary once (issue 28); with LOG_FORMAT=json its fields still travel as the backfill_summary event.
        LogLine.info(LOG, String.format("backfill %s: finished: %s, %,d rows walked in %,d ms", settings.shard(),
                status.name().toLowerCase(), counters.rowsScanned, s.wall().toMillis()), s.fields());
        return s;
    }
}
