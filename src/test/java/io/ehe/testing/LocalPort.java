package io.ehe.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A TCP port on 127.0.0.1 that a helper process of the tests (PgBouncer, the exporter) listens on. */
final class LocalPort {

    private LocalPort() {
    }

    /** A port free on the loopback address now (the OS's pick; a process started next may take it). */
    static int free() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** True when a connection to {@code port} succeeds within 200 ms. */
    static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
