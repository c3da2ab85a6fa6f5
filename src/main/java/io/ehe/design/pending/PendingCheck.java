package io.ehe.design.pending;

import io.ehe.catalog.DesignCheck;

/**
 * What verify found on the pending-table design: {@code missing} events that need an embedding and
 * have no row, {@code stale} rows whose event is gone, has an embedding or has no text,
 * {@code wrongOrganization} rows whose organization_id differs from the event's; {@code repaired}
 * rows written by --repair.
 */
public record PendingCheck(boolean sampled, long checked, long rows, long missing, long stale, long wrongOrganization,
                           long repaired) implements DesignCheck {

    @Override
    public boolean clean() {
        return missing == 0 && stale == 0 && wrongOrganization == 0;
    }

    @Override
    public PendingCheck withRepaired(long n) {
        return new PendingCheck(sampled, checked, rows, missing, stale, wrongOrganization, n);
    }

    @Override
    public String line() {
        return String.format("verify: pending-table %s checked=%d pending_rows=%d missing=%d stale=%d wrong_organization=%d repaired=%d",
                sampled ? "sample" : "full", checked, rows, missing, stale, wrongOrganization, repaired);
    }
}
