package io.ehe.catalog;

/** What verify found: clean or not, as one line for the log and the terminal. */
public interface DesignCheck {

    boolean clean();

    String line();

    DesignCheck withRepaired(long repaired);
}
