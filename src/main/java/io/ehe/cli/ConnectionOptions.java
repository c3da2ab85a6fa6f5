package io.ehe.cli;

import io.ehe.db.ConnectionFactory;
import io.ehe.db.DatabaseUrl;
import io.ehe.db.Schemas;
import io.ehe.db.Secrets;
import picocli.CommandLine.Option;

/**
 * Where the database is, shared by every command: --url (JDBC URL or libpq URI), else DATABASE_URL.
 * Precedence as libpq's: --username/--password (explicit parameters) over what the URL carries, and the
 * URL over PGUSER/PGPASSWORD (the environment only fills what the URL leaves out).
 */
public final class ConnectionOptions {

    @Option(names = "--url", paramLabel = "URL",
            description = "jdbc:postgresql://host:5432/db or postgres://user@host:5432/db?sslmode=require (default: $DATABASE_URL)")
    String url;

    @Option(names = {"--username", "-U"}, paramLabel = "USER", description = "overrides the URL's user (default: the URL's, else $PGUSER)")
    String username;

    @Option(names = "--password", paramLabel = "PASSWORD", arity = "0..1", interactive = false,
            description = "overrides the URL's password (default: the URL's, else $PGPASSWORD, as libpq); prefer the environment", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER)
    String password;

    @Option(names = "--schema", paramLabel = "SCHEMA",
            description = "the schema of events and event_embeddings (default: $EHE_SCHEMA, else public); the same for every command on a database")
    String schema;

    @Option(names = "--module-schema", paramLabel = "SCHEMA",
            description = "the schema of the module's own tables, functions and history; must exist (default: $EHE_MODULE_SCHEMA, else --schema)")
    String moduleSchema;

    /** The schemas from the options and the environment; throws IllegalArgumentException for a name that is not a plain identifier. */
    public Schemas schemas() {
        return Schemas.of(schema, moduleSchema);
    }

    /** Resolves flags and environment; throws IllegalArgumentException (a usage error) when nothing says where to go. */
    public DatabaseUrl resolve() {
        // Only what is on the command line or used for the login is a secret to mask (LoginSecrets).
        if (password != null) {
            Secrets.register(password);
        }
        String envPassword = System.getenv("PGPASSWORD");
        String raw = url != null ? url : System.getenv("DATABASE_URL");
        if (raw == null || raw.isBlank()) {
            throw new IllegalArgumentException("no database given: use --url or set DATABASE_URL");
        }
        DatabaseUrl parsed = DatabaseUrl.parse(raw);
        if (url != null) {
            parsed.password().ifPresent(Secrets::register);
        }
        String user = username != null ? username : parsed.user().orElse(System.getenv("PGUSER"));
        String pass = password != null ? password : parsed.password().orElse(envPassword);
        Secrets.register(pass);
        return parsed.withCredentials(user, pass);
    }

    public ConnectionFactory connections() {
        return new ConnectionFactory(resolve(), "events-has-embedding", schemas());
    }
}
