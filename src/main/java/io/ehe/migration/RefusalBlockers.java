package io.ehe.migration;

import java.util.List;

/**
 * Who held up one refused attempt, as looked at right after the refusal ({@link LockRetry}): handed to
 * the retry's lines and to the {@link WaitWatch}, so that reading them changes nothing.
 *
 * @param found the sessions the look found (empty when it found none or could not look); the watch
 *              keeps them as the last blockers, since a wait shorter than its look is never seen by it
 * @param words what the retry line and the final error say: the sessions found, else the last seen
 *              while it waited, else that none was found or why the look failed
 */
record RefusalBlockers(List<String> found, String words) {

    RefusalBlockers {
        found = List.copyOf(found);
    }
}
