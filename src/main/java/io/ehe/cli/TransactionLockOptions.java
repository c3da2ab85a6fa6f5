package io.ehe.cli;

import io.ehe.db.PgDuration;
import picocli.CommandLine.Option;

import java.time.Duration;

/**
 * --lock-timeout of the commands that run short transactions of their own (configure, targets,
 * partitions sync): one declaration, the same name, default and environment variable as migrate's
 * ({@link LockOptions}), whose option also covers DDL.
 */
public final class TransactionLockOptions {

    @Option(names = "--lock-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:EHE_LOCK_TIMEOUT:-5s}",
            description = "lock_timeout of each transaction (default: ${DEFAULT-VALUE})")
    PgDuration lockTimeout;

    Duration lockTimeout() {
        return lockTimeout.toDuration();
    }
}
