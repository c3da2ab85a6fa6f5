package io.ehe.cli;

import picocli.CommandLine;

/** Counts and attempts: a whole number of at least 1. */
final class PositiveIntConverter implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a whole number");
        }
        if (n < 1) {
            throw new CommandLine.TypeConversionException("'" + value + "' must be at least 1");
        }
        return n;
    }
}
