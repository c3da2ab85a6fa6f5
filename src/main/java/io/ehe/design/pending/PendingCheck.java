package io.ehe.design.pending;

import io.ehe.catalog.DesignCheck;

/**
 * What verify found on the pending-table design, over the ready targets: {@code missing} (event, model)
 * pairs that need an embedding and have no row, {@code stale} rows whose event is gone, dead,
 * embedded with that model or without text, {@code wrongOrganization} rows whose organization_id or
 * created_at differs from the event's; {@code targets} how many ready targets were checked;
 * {@code repaired} rows written by --repair.
 */
public record PendingCheck(boolean sampled, long checked, long rows, long missing, long stale, long wrongOrganization,
                           long targets, long repaired) implements DesignCheck {

    @Override
    public boolean clean() {
        return missing == 0 && stale == 0 && wrongOrganization == 0;
    }

    @Override
    public PendingCheck withRepaired(long n) {
        return new PendingCheck(sampled, checked, rows, missing, stale, wrongOrganization, targets, n);
    }

    @Override
    public String line() {
        return String.format("verify: pending-table %s checked=%d ready_targets=%d pending_rows=%d missing=%d stale=%d wrong_organization=%d repaired=%d",
                sampled ? "sample" : "full", checked, targets, rows, missing, stale, wrongOrganization, repaired);
    }
}
