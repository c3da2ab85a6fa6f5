package io.ehe.cli;

import io.ehe.catalog.Design;
import io.ehe.design.pending.PendingQueue;
import io.ehe.design.select.DesignChoice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * queue failed / retry / pause / resume / sweep: thin over {@link PendingQueue} (pending-table design, changeSet
 * 180; 'status' prints each model's queue figures). docs/scheduler-on-claims.md has the worker's side.
 */
@Command(name = "queue", mixinStandardHelpOptions = true,
        description = {"The pending table as the scheduler's work queue (changeSet 180): list and retry quarantined pairs, "
                        + "pause and resume a model, sweep the claim rows of finished pairs (the chart's queue-sweep CronJob runs it).",
                "'status' prints each model's pending, claimable, claimed, backing off and quarantined pairs."},
        subcommands = {QueueCommand.Failed.class, QueueCommand.Retry.class, QueueCommand.Pause.class, QueueCommand.Resume.class,
                QueueCommand.Sweep.class})
public final class QueueCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        throw new IllegalArgumentException("queue: name an action: failed, retry, pause, resume or sweep");
    }

    private static PendingQueue queue(ConnectionOptions connection) throws Exception {
        DesignChoice.installed(connection.connections(), Design.PENDING_TABLE.id());
        return new PendingQueue(connection.connections());
    }

    @Command(name = "failed", mixinStandardHelpOptions = true,
            description = "Lists a model's quarantined pairs (with --backoff, also those backing off): event, organization, attempts, last error.")
    static final class Failed implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;

        @Parameters(index = "0", paramLabel = "MODEL", description = "a target model")
        String model;

        @Option(names = "--organization", paramLabel = "ID", description = "only this organization's pairs")
        String organization;

        @Option(names = "--backoff", description = "also list pairs backing off after a failure")
        boolean backoff;

        @Option(names = "--limit", paramLabel = "N", converter = PositiveIntConverter.class, defaultValue = "100",
                description = "at most N rows, oldest failure first (default: ${DEFAULT-VALUE})")
        int limit;

        @Override
        public Integer call() throws Exception {
            List<PendingQueue.Failed> rows = queue(connection).failed(model, organization, backoff, limit);
            System.out.printf(Locale.ROOT, "%-12s %-20s %-11s %8s  %-20s %-20s  %s%n", "event_id", "organization", "state", "attempts",
                    "last failed", "retry at", "last error");
            for (PendingQueue.Failed f : rows) {
                System.out.printf(Locale.ROOT, "%-12d %-20s %-11s %8d  %-20s %-20s  %s%n", f.eventId(), f.organizationId(), f.state(),
                        f.attempts(), f.lastFailedAt() == null ? "-" : f.lastFailedAt(), f.retryAt() == null ? "-" : f.retryAt(),
                        f.lastError() == null ? "" : f.lastError().replaceAll("\\s+", " "));
            }
            System.out.printf(Locale.ROOT, "%d row(s)%s%n", rows.size(), rows.size() == limit ? " (limit reached: --limit)" : "");
            return ExitCodes.OK;
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = {"Puts a model's quarantined pairs back in the queue, attempts reset: all of them, or those of --event / --organization.",
                    "--dry-run counts them and changes nothing."})
    static final class Retry implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;

        @Parameters(index = "0", paramLabel = "MODEL", description = "a target model")
        String model;

        @Option(names = "--event", paramLabel = "ID", split = ",", description = "only these events (comma-separated or repeated)")
        List<Long> events;

        @Option(names = "--organization", paramLabel = "ID", description = "only this organization's pairs")
        String organization;

        @Option(names = "--dry-run", description = "count the pairs that would be put back; change nothing")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            int n = queue(connection).retry(model, events, organization, dryRun);
            System.out.printf(Locale.ROOT, "%s %d quarantined pair(s) of model '%s'%s%n", dryRun ? "would retry" : "retried", n, model,
                    dryRun ? " (dry run: nothing changed)" : "");
            return ExitCodes.OK;
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = {"Pauses a model (provider down or rate-limited): its pairs are not claimable and no attempt is counted; "
                    + "other models go on.", "Until resumed, or --for a duration / --until a time. --dry-run changes nothing."})
    static final class Pause implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;

        @Parameters(index = "0", paramLabel = "MODEL", description = "a target model")
        String model;

        @Option(names = "--for", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "pause for this long (e.g. 10min, 1h)")
        io.ehe.db.PgDuration duration;

        @Option(names = "--until", paramLabel = "TIME", description = "pause until this ISO-8601 instant (e.g. 2026-12-06T06:00:00Z)")
        String until;

        @Option(names = "--reason", paramLabel = "TEXT", description = "recorded with the pause")
        String reason;

        @Option(names = "--dry-run", description = "print what would be done; change nothing")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            if (duration != null && until != null) {
                throw new IllegalArgumentException("queue pause: give --for or --until, not both");
            }
            Instant end = null;
            if (duration != null) {
                Duration d = duration.toDuration();
                if (d.isZero() || d.isNegative()) {
                    throw new IllegalArgumentException("queue pause: --for must be positive");
                }
                end = Instant.now().plus(d);
            } else if (until != null) {
                try {
                    end = Instant.parse(until);
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException("queue pause: --until must be an ISO-8601 instant such as 2026-12-06T06:00:00Z (got '" + until + "')");
                }
            }
            PendingQueue q = queue(connection);
            String when = end == null ? "until resumed" : "until " + end;
            if (dryRun) {
                q.failed(model, null, false, 1);
                System.out.printf(Locale.ROOT, "would pause model '%s' %s (dry run: nothing changed)%n", model, when);
                return ExitCodes.OK;
            }
            q.pause(model, end, reason);
            System.out.printf(Locale.ROOT, "paused model '%s' %s%n", model, when);
            return ExitCodes.OK;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Ends a model's pause: its pairs are claimable again.")
    static final class Resume implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;

        @Parameters(index = "0", paramLabel = "MODEL", description = "a target model")
        String model;

        @Override
        public Integer call() throws Exception {
            boolean was = queue(connection).resume(model);
            System.out.printf(Locale.ROOT, "%s%n", was ? "resumed model '" + model + "'" : "model '" + model + "' was not paused");
            return ExitCodes.OK;
        }
    }

    @Command(name = "sweep", mixinStandardHelpOptions = true,
            description = {"Deletes the claim rows of pairs that left the queue (embedded, or the event died), so the claims table "
                    + "stays the size of the live queue; expired leases need no sweep (the next claim takes them over).",
                    "Rounds of --batch rows, each a short transaction that never waits for a lock. Run it every few minutes."})
    static final class Sweep implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;

        @Option(names = "--batch", paramLabel = "N", converter = PositiveIntConverter.class, defaultValue = "10000",
                description = "claim rows per round (default: ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--max-rounds", paramLabel = "N", converter = PositiveIntConverter.class, defaultValue = "100",
                description = "stop after N rounds, exit 12 when rows are left (default: ${DEFAULT-VALUE})")
        int maxRounds;

        @Override
        public Integer call() throws Exception {
            PendingQueue.Swept s = queue(connection).sweep(batch, maxRounds);
            System.out.printf(Locale.ROOT, "swept %d claim row(s) of finished pairs in %d round(s)%s%n", s.deleted(), s.rounds(),
                    s.more() ? "; more left (--max-rounds reached: run again)" : "");
            return s.more() ? ExitCodes.MORE_TO_DO : ExitCodes.OK;
        }
    }
}
