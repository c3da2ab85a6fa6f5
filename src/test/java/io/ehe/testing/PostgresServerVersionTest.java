package io.ehe.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** Each run is on the PostgreSQL major it says: mvn verify's second pass provably runs on 14. */
@ExtendWith(PostgresExtension.class)
class PostgresServerVersionTest {

    @Test
    void theServerIsTheMajorAskedFor(TestDatabase db) {
        long major = db.queryLong("SELECT current_setting('server_version_num')::int / 10000");
        OptionalInt requested = PostgresVersion.requested();
        String url = System.getenv("PG_TEST_URL");
        if (requested.isPresent()) {
            assertThat(major).as("major version of the test server, %s=%s", PostgresVersion.ENV, requested.getAsInt())
                    .isEqualTo(requested.getAsInt());
        } else if (url != null && !url.isBlank()) {
            assertThat(major).as("PG_TEST_URL's server is older than the oldest supported PostgreSQL")
                    .isGreaterThanOrEqualTo(PostgresVersion.OLDEST_SUPPORTED);
        } else {
            assertThat(major).as("major version of the default test server").isEqualTo(PostgresVersion.DEFAULT_MAJOR);
        }
    }
}
