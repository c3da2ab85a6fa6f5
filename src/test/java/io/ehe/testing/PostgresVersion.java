package io.ehe.testing;

import java.util.OptionalInt;

/**
 * The PostgreSQL major the tests ask for, from PG_TEST_VERSION (e.g. 14). An environment variable
 * rather than a system property so that the child JVMs some tests start see the same value.
 */
public final class PostgresVersion {

    public static final String ENV = "PG_TEST_VERSION";

    /** The major used when none is asked for: the image tag for Testcontainers, and the embedded binaries on the class path. */
    static final int DEFAULT_MAJOR = 17;

    /** The oldest major the changelog supports (pom.xml: postgres.oldest). */
    static final int OLDEST_SUPPORTED = 14;

    private PostgresVersion() {
    }

    public static OptionalInt requested() {
        String value = System.getenv(ENV);
        if (value == null || value.isBlank()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ENV + " must be a PostgreSQL major version such as 14, got '" + value + "'", e);
        }
    }
}
