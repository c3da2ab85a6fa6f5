package io.ehe.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's prometheus-postgres-exporter (0.11) of a test's own, on a free loopback port, reading the
 * shipped chart/files/postgres-exporter-queries.yaml against a test database as a login role that has
 * EXECUTE on the two metrics functions and nothing else. scripts/install-postgres-exporter.sh installs
 * the package when missing; where it cannot, the calling test is skipped with its reason. The role's
 * password goes only into the exporter's environment (DATA_SOURCE_NAME) and is masked in every message.
 */
public final class PostgresExporter implements AutoCloseable {

    public static final Path QUERIES = Path.of("chart/files/postgres-exporter-queries.yaml");
    private static final Pattern URL = Pattern.compile("^jdbc:postgresql://([^:/]+):(\\d+)/([^?]+)");
    /** One sample line of the text exposition format: name, optional {labels}, value. */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Process process;
    private final Path log;
    private final int port;
    private final String password;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PostgresExporter(Process process, Path log, int port, String password) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.password = password;
    }

    /**
     * Creates the login role {@code role} (password random) with EXECUTE on public.ehe_metrics_models()
     * and public.ehe_metrics_database() only, and starts the exporter as it. Skips the test when the
     * package cannot be installed.
     */
    public static PostgresExporter start(TestDatabase db, String role) throws Exception {
        String binary = install();
        Matcher m = URL.matcher(db.jdbcUrl());
        Assumptions.assumeTrue(m.find(), "test database URL has no host:port/database: " + db.jdbcUrl());
        String password = UUID.randomUUID().toString().replace("-", "");
        db.execute("DO $$ BEGIN CREATE ROLE " + role + " LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
                "ALTER ROLE " + role + " PASSWORD '" + password + "'",
                "GRANT EXECUTE ON FUNCTION public.ehe_metrics_models(), public.ehe_metrics_database() TO " + role);
        int port = LocalPort.free();
        Path log = Files.createTempFile("postgres-exporter", ".log");
        String host = "localhost".equals(m.group(1)) ? "127.0.0.1" : m.group(1);
        ProcessBuilder pb = new ProcessBuilder(binary,
                "--web.listen-address=127.0.0.1:" + port,
                "--extend.query-path=" + QUERIES.toAbsolutePath(),
                "--disable-default-metrics",
                "--disable-settings-metrics",
                "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("DATA_SOURCE_NAME", "postgresql://" + role + ":" + password + "@" + host + ":" + m.group(2) + "/"
                + m.group(3) + "?sslmode=disable");
        Process p = pb.start();
        PostgresExporter exporter = new PostgresExporter(p, log, port, password);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!LocalPort.accepts(port)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String out = exporter.log();
                p.destroy();
                throw new IllegalStateException("postgres_exporter did not start: " + out);
            }
            Thread.sleep(100);
        }
        return exporter;
    }

    /** Runs the install script; its last stdout line is the binary. Skips the test with the script's reason when it fails. */
    private static String install() throws Exception {
        Path binary = DebianPackage.installed("install-postgres-exporter.sh", "prometheus-postgres-exporter");
        Assumptions.assumeTrue(Files.isExecutable(binary), "install script named no executable: " + binary);
        return binary.toString();
    }

    /** The exporter's own output so far, the role's password masked. */
    public String log() {
        try {
            return Files.readString(log).replace(password, "****");
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Where the exporter listens: host:port, as a Prometheus scrape target names it. */
    public String target() {
        return "127.0.0.1:" + port;
    }

    /** GET /metrics as text. */
    public String scrapeText() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET /metrics answered " + r.statusCode() + ": " + r.body().replace(password, "****"));
        }
        return r.body();
    }

    /** One scrape: every sample whose name starts with {@code prefix}, keyed name{label=value,...} (labels sorted, "server" left out). */
    public Map<String, Double> scrape(String prefix) throws Exception {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : scrapeText().split("\n")) {
            if (line.startsWith("#") || !line.startsWith(prefix)) {
                continue;
            }
            Matcher s = SAMPLE.matcher(line);
            if (!s.find()) {
                continue;
            }
            out.put(key(s.group(1), labels(s.group(3))), Double.parseDouble(s.group(4)));
        }
        return out;
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> out = new TreeMap<>();
        if (text != null) {
            Matcher l = LABEL.matcher(text);
            while (l.find()) {
                if (!"server".equals(l.group(1))) {
                    out.put(l.group(1), l.group(2));
                }
            }
        }
        return out;
    }

    /** The key {@link #scrape} uses: name{k=v,...}, labels sorted. */
    public static String key(String name, Map<String, String> labels) {
        if (labels.isEmpty()) {
            return name;
        }
        List<String> parts = new ArrayList<>();
        new TreeMap<>(labels).forEach((k, v) -> parts.add(k + "=" + v));
        return name + "{" + String.join(",", parts) + "}";
    }


    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        Files.deleteIfExists(log);
    }
}
