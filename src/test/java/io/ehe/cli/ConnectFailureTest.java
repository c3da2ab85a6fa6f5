package io.ehe.cli;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28, a new-user trial: a URL with an unknown host ended in "error: could not connect: The
 * connection attempt failed." and nothing else. The one line now names the host and port it tried
 * and the cause: the name does not resolve, nothing accepts on the port, or no answer in time; never
 * the password.
 */
class ConnectFailureTest {

    private static final String PASSWORD = "Zq8w-Unseen-Pw";

    private static String line(Cli.Result r) {
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.CONNECT);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).as(r.toString()).hasSize(1);
        assertThat(r.all()).doesNotContain(PASSWORD).doesNotContain("Zq8w");
        return r.errLines().get(0);
    }

    @Test
    void anUnknownHostIsNamedWithItsPortAndTheCause() {
        for (String url : List.of("postgres://app:" + PASSWORD + "@nohost.invalid:6543/app",
                "jdbc:postgresql://nohost.invalid:6543/app?user=app&password=" + PASSWORD)) {
            for (String command : List.of("status", "migrate")) {
                String line = line(Cli.run(command, "--url", url));
                assertThat(line).startsWith("error: could not connect to nohost.invalid:6543: unknown host");
            }
        }
        // No port in the URL: the one the driver used, PostgreSQL's default.
        assertThat(line(Cli.run("status", "--url", "postgres://app:" + PASSWORD + "@nohost.invalid/app")))
                .startsWith("error: could not connect to nohost.invalid:5432: unknown host");
    }

    @Test
    void aPortNothingListensOnIsConnectionRefused() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String line = line(Cli.run("status", "--url", "postgres://app:" + PASSWORD + "@127.0.0.1:" + port + "/app"));
        assertThat(line).startsWith("error: could not connect to 127.0.0.1:" + port + ": connection refused");
    }

    /** A server that accepts the connection and never answers: the login gives up after its timeout. */
    @Test
    void aServerThatNeverAnswersIsATimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = silent.getLocalPort();
            String line = line(Cli.run("status", "--url", "postgres://app:" + PASSWORD + "@127.0.0.1:" + port + "/app"));
            assertThat(line).startsWith("error: could not connect to 127.0.0.1:" + port + ": timed out");
        }
    }
}
