package io.ehe.cli;

import io.ehe.db.PgDuration;
import picocli.CommandLine.Option;

import java.time.Duration;

/**
 * The one declaration of --lock-timeout for every command that means by it PostgreSQL's lock_timeout
 * on its own statements: migrate and rollback (through {@link LockOptions}, each DDL statement and the
 * runner's own), configure, targets and partitions sync (each of their short transactions). One name,
 * default and environment variable. backfill's --lock-timeout is another option: per batch, its own
 * default ({@code BackfillCommand}).
 */
public final class LockTimeoutOption {

    @Option(names = "--lock-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:EHE_LOCK_TIMEOUT:-5s}",
            description = "lock_timeout of every statement the command runs (migrate, rollback: each DDL statement and the runner's "
                    + "own; configure, targets, partitions sync: each transaction); units ms, s, min, h "
                    + "(default: ${DEFAULT-VALUE}, env EHE_LOCK_TIMEOUT)")
    PgDuration lockTimeout;

    /** The timeout given, positive. */
    Duration lockTimeout() {
        return lockTimeout.toDuration();
    }

    /** As PostgreSQL's setting takes it (e.g. {@code 5s}). */
    String setting() {
        return lockTimeout.toString();
    }
}
