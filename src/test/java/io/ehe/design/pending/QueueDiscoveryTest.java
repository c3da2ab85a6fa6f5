package io.ehe.design.pending;

import io.ehe.design.pending.QueueSql.Claimed;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ChangeSet 186: the claim's discovery picks the same organization whichever plan it runs, 186's window (one
 * scan of the claims table's key for the window's pairs, hashed) or 180's probe per pending pair (the session
 * setting ehe.queue_discovery = 'probe'),
 * through every way a pair is hidden: backoff of the same pending row, a live lease (whatever the pending
 * row's xmin: 140 updates it in place when created_at changes), a quarantine of a pending row that has
 * since left and come back (a new xmin: no longer hidden). Each discovery is a claim of one pair in a
 * transaction rolled back, so the queue state stays as built.
 */
@ExtendWith(PostgresExtension.class)
class QueueDiscoveryTest {

    private static final String MODEL = "m1";
    private TestDatabase db;

    private List<Long> events(String org, int n) {
        return db.queryList("INSERT INTO events (organization_id, payload_text) SELECT '" + org + "', 'text ' || g FROM generate_series(1, " + n
                + ") g RETURNING id", rs -> {
                    try {
                        return rs.getLong(1);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
    }

    /** The organization a discovery claim picks with 186's plan and with 180's probe. */
    private List<String> discovered() throws SQLException {
        return discovered(5000);
    }

    private List<String> discovered(int newest) throws SQLException {
        String windowed = discover("", newest);
        String probed = discover("probe", newest);
        return java.util.Arrays.asList(windowed, probed);
    }

    private String discover(String plan, int newest) throws SQLException {
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SET LOCAL ehe.queue_discovery = '" + plan + "'");
            try (ResultSet rs = st.executeQuery("SELECT organization_id FROM ehe_queue_claim('" + MODEL + "', 1, 30, NULL, " + newest + ")")) {
                String org = rs.next() ? rs.getString(1) : null;
                c.rollback();
                return org;
            }
        }
    }

    @Test
    void bothPlansPickTheOrganizationWithMostClaimablePairs(TestDatabase database) throws Exception {
        db = database;
        AppSchema.install(db, MODEL);
        db.execute("SELECT ehe_queue_configure('" + MODEL + "', 3600, 7200, 5)");
        List<Long> b = events("org-b", 120);
        List<Long> a = events("org-a", 300);
        assertThat(AppSchema.cli(db, "backfill")).isZero();
        assertThat(discovered()).containsExactly("org-a", "org-a");

        // 250 of org-a back off after a failure: 50 claimable against org-b's 120.
        for (Claimed p : QueueSql.claim(db, MODEL, 250, 30, "org-a")) {
            assertThat(QueueSql.fail(db, MODEL, p.eventId(), p.token(), "HTTP 503", true)).isEqualTo("backoff");
        }
        assertThat(discovered()).containsExactly("org-b", "org-b");

        // org-c: 200 newer pairs under live leases, then their pending rows rewritten in place (new xmin): still hidden.
        List<Long> c = events("org-c", 200);
        assertThat(discovered()).containsExactly("org-c", "org-c");
        assertThat(QueueSql.claim(db, MODEL, 200, 3600, "org-c")).hasSize(200);
        assertThat(discovered()).containsExactly("org-b", "org-b");
        String ids = c.stream().map(String::valueOf).collect(Collectors.joining(","));
        String xmins = "SELECT string_agg(xmin::text, ',' ORDER BY event_id) FROM event_embedding_pending WHERE model = '" + MODEL + "' AND event_id IN (" + ids + ")";
        String before = db.queryString(xmins);
        db.execute("UPDATE events SET created_at = created_at + interval '1 microsecond' WHERE id IN (" + ids + ")");
        assertThat(db.queryString(xmins)).as("140 rewrote the pending rows in place").isNotEqualTo(before);
        assertThat(discovered()).containsExactly("org-b", "org-b");

        // org-e: 150 pairs quarantined; then each leaves the queue and comes back (a new pending row): claimable again.
        List<Long> e = events("org-e", 150);
        for (Claimed p : QueueSql.claim(db, MODEL, 150, 30, "org-e")) {
            assertThat(QueueSql.fail(db, MODEL, p.eventId(), p.token(), "HTTP 400", false)).isEqualTo("quarantined");
        }
        assertThat(discovered()).containsExactly("org-b", "org-b");
        String eIds = e.stream().map(String::valueOf).collect(Collectors.joining(","));
        db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, '" + MODEL + "', 0 FROM events WHERE id IN (" + eIds + ")",
                "DELETE FROM event_embeddings WHERE event_id IN (" + eIds + ")");
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending_claims WHERE state = 'quarantined' AND event_id IN (" + eIds + ")"))
                .as("the quarantine rows are still there, for the old pending rows").isEqualTo(150);
        assertThat(discovered()).containsExactly("org-e", "org-e");

        // org-f: 1,100 newest pairs under live leases, more than 186's first window (newest + 1,024) holds:
        // with newest = 50 the window must widen past them to find org-e's pairs.
        events("org-f", 1100);
        assertThat(QueueSql.claim(db, MODEL, 1000, 3600, "org-f")).hasSize(1000);
        assertThat(QueueSql.claim(db, MODEL, 100, 3600, "org-f")).hasSize(100);
        assertThat(discovered(50)).containsExactly("org-e", "org-e");
        assertThat(b).hasSize(120);
        assertThat(a).hasSize(300);
        AppSchema.assertExact(db);
    }
}
