package io.ehe.backfill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What this run did, batch by batch (mutable, confined to the backfill's thread). */
final class Counters {

    long rowsTrue;
    long rowsFalse;
    long rowsScanned;
    long batches;
    final List<Duration> lockHolds = new ArrayList<>();

    void add(BatchResult r) {
        rowsTrue += r.setTrue();
        rowsFalse += r.setFalse();
        rowsScanned += r.scanned();
        batches++;
        lockHolds.add(r.lockHeld());
    }
}
