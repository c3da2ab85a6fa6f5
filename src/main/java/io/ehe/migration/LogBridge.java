package io.ehe.migration;

import org.slf4j.bridge.SLF4JBridgeHandler;

/** Liquibase logs through java.util.logging: send it to logback so one format (and one mask) applies. */
final class LogBridge {

    private static boolean installed;

    private LogBridge() {
    }

    static synchronized void install() {
        if (!installed) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
            java.util.logging.Logger.getLogger("liquibase").setLevel(java.util.logging.Level.INFO);
            installed = true;
        }
    }
}
