package io.ehe.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The run that asks for a PostgreSQL major (mvn verify's PostgreSQL 14 pass) provably got it. */
@ExtendWith(PostgresExtension.class)
class PostgresServerVersionTest {

    @Test
    void theServerIsTheMajorAskedFor(TestDatabase db) {
        OptionalInt requested = PostgresVersion.requested();
        assumeTrue(requested.isPresent(), PostgresVersion.ENV + " is not set: any server will do");
        assertThat(db.queryLong("SELECT current_setting('server_version_num')::int / 10000"))
                .as("major version of the test server").isEqualTo(requested.getAsInt());
    }
}
