package io.ehe.migration;

import io.ehe.testing.Catalog;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(PostgresExtension.class)
class ChangelogSmokeTest {

    @Test
    void appliesEverythingOnAnEmptyDatabaseWithBaseline(TestDatabase db) {
        Migrations.migrate(db, true);
        String catalog = Catalog.snapshot(db);
        System.out.println(catalog);
        assertThat(catalog).contains("events.has_embedding boolean not null default false");
        assertThat(catalog).contains("idx_events_pending_embedding");
    }
}
