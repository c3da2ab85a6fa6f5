package io.ehe.migration;

import io.ehe.testing.Migrations;
import io.ehe.testing.PartitionedSchema;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A changeSet that has run somewhere must never change: Liquibase checksums its whole body, comments
 * included, and refuses to go on where the stored sum differs. These are the sums of the released
 * changeSets; a failure here means an edit that every database which ran them would reject.
 */
@ExtendWith(PostgresExtension.class)
class ReleasedChecksumsTest {

    private static final Map<String, String> RELEASED = new LinkedHashMap<>();

    static {
        RELEASED.put("000-baseline-tables", "9:a89affc2c8012d2693de4790b0151812");
        RELEASED.put("010-has-embedding-column", "9:250ee3ad17ab1dfa6f42fbcb8ed14bde");
        RELEASED.put("020-has-embedding-triggers", "9:5e3a89c0b4658ee32ab2433c5004f9c2");
        RELEASED.put("030-backfill-progress", "9:2986744f20e4fe05ab963b01c10809be");
        RELEASED.put("040-pending-embedding-index", "9:6e21bf23b8acd9d3550a31ee777044ea");
        RELEASED.put("050-has-embedding-not-null", "9:110f1824064fd77191d1adcda9de7211");
        // Issue 24 (released 2026-12-06): the trigger functions as SECURITY DEFINER.
        RELEASED.put("070-has-embedding-definer-functions", "9:79c0998e8013c48e16409cac50cba1ed");
    }

    /** The pending-table design's changeSets: 100-120 released before issue 16, 130-140 with it, 170-180 with issues 24 and 27. */
    private static final Map<String, String> RELEASED_PENDING = new LinkedHashMap<>();

    static {
        RELEASED_PENDING.put("100-pending-table", "9:4f385e76469a09356960c3e9ca34b139");
        RELEASED_PENDING.put("110-pending-triggers", "9:f7f80ffc1ff3e8824bcc02eab5c86808");
        RELEASED_PENDING.put("120-pending-bootstrap-progress", "9:57932c809e366c22bf8b9244fd642c39");
        RELEASED_PENDING.put("130-pending-semantics-and-targets", "9:d290981e9809c406e220083f92d392ac");
        RELEASED_PENDING.put("140-pending-per-target", "9:53610269a38b78a57d8fb2727ff69221");
        // Issues 24 and 27 (released 2026-12-06): definer functions, the work queue.
        RELEASED_PENDING.put("170-pending-definer-functions", "9:2315194f4325f674fef9fa70c47ea76d");
        RELEASED_PENDING.put("180-pending-queue", "9:ae6914973b043997b14ff493366638c2");
    }

    /** The changeSets that apply only to partitioned tables (issue 18): released with it, applied here on partitioned tables. */
    private static final Map<String, String> RELEASED_PARTITIONED = new LinkedHashMap<>();

    static {
        RELEASED_PARTITIONED.put("045-partitioned-pending-embedding-index", "9:2ab0d6da356d4d1b470e54cb253ce1e4");
        RELEASED_PARTITIONED.put("060-has-embedding-row-triggers-partitioned", "9:10ba8117f8a44c30b382fd50dea19000");
        RELEASED_PARTITIONED.put("150-pending-partitioned-triggers", "9:7bd8b16960afba95d7b7c4d065686ba9");
        RELEASED_PARTITIONED.put("160-pending-partition-set", "9:d0fc38d7d770fccc7de126fadfabbc87");
    }

    @Test
    void releasedPartitionedChangeSetsKeepTheirChecksums() {
        Map<String, String> applied = new LinkedHashMap<>();
        TestDatabase column = PostgresServer.get().createDatabase("checksums_partitioned_column");
        PartitionedSchema.create(column, PartitionedSchema.Scheme.BY_ID, true);
        Migrations.migrate(column, false);
        column.execute("UPDATE public.events e SET has_embedding = EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)");
        Migrations.migrate(column, false);
        TestDatabase pending = PostgresServer.get().createDatabase("checksums_partitioned_pending");
        PartitionedSchema.create(pending, PartitionedSchema.Scheme.BY_ID, true);
        Migrations.migrate(pending, false, io.ehe.catalog.Design.PENDING_TABLE);
        for (String id : RELEASED_PARTITIONED.keySet()) {
            TestDatabase db = id.startsWith("0") ? column : pending;
            applied.put(id, db.queryString("SELECT md5sum FROM databasechangelog WHERE id = '" + id + "'"));
        }
        assertThat(applied).isEqualTo(RELEASED_PARTITIONED);
    }

    @Test
    void releasedPendingTableChangeSetsKeepTheirChecksums(TestDatabase db) {
        Migrations.migrate(db, true, io.ehe.catalog.Design.PENDING_TABLE);
        Map<String, String> applied = new LinkedHashMap<>();
        for (String id : RELEASED_PENDING.keySet()) {
            applied.put(id, db.queryString("SELECT md5sum FROM databasechangelog WHERE id = '" + id + "'"));
        }
        assertThat(applied).isEqualTo(RELEASED_PENDING);
    }

    @Test
    void releasedChangeSetsKeepTheirChecksums(TestDatabase db) {
        Migrations.migrate(db, true);
        Map<String, String> applied = new LinkedHashMap<>();
        for (String id : RELEASED.keySet()) {
            applied.put(id, db.queryString("SELECT md5sum FROM databasechangelog WHERE id = '" + id + "'"));
        }
        assertThat(applied).isEqualTo(RELEASED);
    }
}
