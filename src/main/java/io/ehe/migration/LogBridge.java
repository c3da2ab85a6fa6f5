package io.ehe.migration;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Liquibase and the JDBC driver log through java.util.logging: send it to logback so one format (and one
 * mask) applies. Without it JUL's own console handler prints straight to stderr, unmasked, beside the
 * CLI's one error line.
 */
public final class LogBridge {

    private static boolean installed;

    private LogBridge() {
    }

    public static synchronized void install() {
        if (!installed) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
            java.util.logging.Logger.getLogger("liquibase").setLevel(java.util.logging.Level.INFO);
            installed = true;
        }
    }
}
