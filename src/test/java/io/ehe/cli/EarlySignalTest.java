package io.ehe.cli;

import io.ehe.testing.CliChild;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A signal before any interruptible step has started (here: migrate still logging in, to a server that
 * accepts the connection and never answers) ends the process with the one error line and exit 7, like a
 * signal during a step; a new-user trial saw the JVM's bare exit 130 and no word.
 */
class EarlySignalTest {

    @Test
    void aSignalWhileStartingIsOneLineAndExitSeven() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            silent.setSoTimeout(30_000);
            CliChild child = CliChild.startAt(null, "postgres://app:Early-Pw-3x@127.0.0.1:" + silent.getLocalPort() + "/app", "migrate");
            try (Socket connected = silent.accept()) {
                // The child is in its command now (it opened a connection), before any step of its own.
                child.interruptedBy("INT", 1500);
            }
            assertThat(child.oneErrorLine()).startsWith("error: migrate stopped by a signal outside the steps that stop cleanly on one")
                    .contains("what it committed stays, a transaction in flight is rolled back by the server");
            assertThat(child.stderr()).doesNotContain("Early-Pw-3x");
        }
    }
}
