package io.ehe.backfill;

/**
 * What verify found among {@code checked} events: {@code nulls} rows still NULL, {@code falseTrue}
 * rows saying true without an embedding row, {@code falseFalse} rows saying false with one;
 * {@code repaired} rows fixed by --repair (0 without it).
 */
public record VerifyResult(boolean sampled, long checked, long nulls, long falseTrue, long falseFalse, long repaired)
        implements io.ehe.catalog.DesignCheck {

    public long mismatches() {
        return falseTrue + falseFalse;
    }

    @Override
    public boolean clean() {
        return nulls == 0 && mismatches() == 0;
    }

    @Override
    public VerifyResult withRepaired(long n) {
        return new VerifyResult(sampled, checked, nulls, falseTrue, falseFalse, n);
    }

    @Override
    public String line() {
        return String.format("verify: %s checked=%d nulls=%d mismatches=%d (true_without_embedding=%d false_with_embedding=%d) repaired=%d",
                sampled ? "sample" : "full", checked, nulls, mismatches(), falseTrue, falseFalse, repaired);
    }
}
