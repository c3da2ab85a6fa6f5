package io.ehe.design.select;

import io.ehe.catalog.Design;
import io.ehe.design.DesignNotInstalledException;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How a command picks its design from what is installed and what it was told. */
class DesignChoiceTest {

    @Test
    void theOnlyInstalledDesignIsChosenWhenNoneIsNamed() {
        assertThat(DesignChoice.choose(EnumSet.of(Design.PENDING_TABLE), null)).isEqualTo(Design.PENDING_TABLE);
        assertThat(DesignChoice.choose(EnumSet.of(Design.COLUMN), null)).isEqualTo(Design.COLUMN);
    }

    @Test
    void aNamedDesignMustBeInstalled() {
        assertThat(DesignChoice.choose(EnumSet.allOf(Design.class), Design.COLUMN)).isEqualTo(Design.COLUMN);
        assertThatThrownBy(() -> DesignChoice.choose(EnumSet.of(Design.COLUMN), Design.PENDING_TABLE))
                .isInstanceOf(DesignNotInstalledException.class).hasMessageContaining("pending-table design is not installed");
    }

    @Test
    void bothInstalledNeedsAName() {
        assertThatThrownBy(() -> DesignChoice.choose(EnumSet.allOf(Design.class), null))
                .isInstanceOf(DesignNotInstalledException.class).hasMessageContaining("--design or EHE_DESIGN");
    }

    @Test
    void neitherInstalledSaysToMigrate() {
        assertThatThrownBy(() -> DesignChoice.choose(EnumSet.noneOf(Design.class), Design.PENDING_TABLE))
                .isInstanceOf(DesignNotInstalledException.class).hasMessageContaining("migrate --design pending-table");
    }

    @Test
    void parsingIsStrictAndSaysWhatIsAllowed() {
        assertThat(Design.parse(" Pending-Table ")).isEqualTo(Design.PENDING_TABLE);
        assertThat(DesignChoice.forMigrate(null)).isEqualTo(Design.COLUMN);
        assertThatThrownBy(() -> Design.parse("pending")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown design 'pending': expected one of column, pending-table");
    }
}
