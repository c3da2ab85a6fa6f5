package io.ehe.cli;

/** Placeholder entry point until the CLI lands (issue 3). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.err.println("events-has-embedding: CLI not built yet");
        System.exit(1);
    }
}
