package io.ehe.design.pending;

import io.ehe.db.LockWaitWatch;

import java.sql.Connection;
import java.sql.SQLException;

/** A configuration change that {@link PendingConfiguration} runs on a session under a {@link LockWaitWatch}, and its words for an early end. */
interface WatchedChange {

    /** Names the change in the watch's log lines and in its errors: "configure", "targets add m1". */
    String what();

    /**
     * Does the change on {@code c} (autocommit off, lock_timeout set for its transaction); each step that
     * may wait for a lock is named to {@code watch} first. Rolls back what it refuses.
     */
    PendingConfiguration.Outcome run(Connection c, LockWaitWatch watch) throws SQLException;

    /** After "stopped (signal) while a statement waited ...; ": what stays and what to do. Asked when the stop comes. */
    String afterStop();

    /** The end of the refusal line when a step got no lock: what stays and what to do. Asked when the refusal comes. */
    String afterRefusal();

    /**
     * True when the change waits for older transactions ({@link io.ehe.db.OlderTransactions}): that wait's
     * own stop and time-out errors already say what stays, so they pass as they are.
     */
    default boolean waitsForOlderTransactions() {
        return false;
    }
}
