package io.ehe.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.lang.reflect.Field;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 26, item 6: --lock-timeout was declared twice (migrate's and rollback's LockOptions, the short
 * transactions' TransactionLockOptions), with the same name, default and environment variable, so the
 * two could drift. Every command that means PostgreSQL's lock_timeout of its own statements now takes
 * the one declaration ({@link LockTimeoutOption}); backfill's per-batch option keeps its own meaning
 * and default.
 */
class LockTimeoutOptionTest {

    private static final List<String> SAME_MEANING = List.of("migrate", "rollback", "configure", "targets", "partitions");

    private static OptionSpec lockTimeoutOf(String command) {
        CommandLine sub = Main.commandLine().getSubcommands().get(command);
        assertThat(sub).as(command).isNotNull();
        OptionSpec option = sub.getCommandSpec().findOption("--lock-timeout");
        assertThat(option).as(command + " --lock-timeout").isNotNull();
        return option;
    }

    private static Field declaration(OptionSpec option) {
        assertThat(option.userObject()).isInstanceOf(Field.class);
        return (Field) option.userObject();
    }

    @Test
    void oneDeclarationServesEveryCommandThatMeansLockTimeout() {
        for (String command : SAME_MEANING) {
            OptionSpec option = lockTimeoutOf(command);
            assertThat(declaration(option).getDeclaringClass()).as(command).isEqualTo(LockTimeoutOption.class);
            assertThat(declaration(option).getAnnotation(CommandLine.Option.class).defaultValue()).as(command).isEqualTo("${env:EHE_LOCK_TIMEOUT:-5s}");
            assertThat(String.join(" ", option.description())).as(command).contains("lock_timeout").contains("EHE_LOCK_TIMEOUT");
        }
    }

    @Test
    void backfillKeepsItsOwnPerBatchOption() {
        OptionSpec option = lockTimeoutOf("backfill");
        assertThat(declaration(option).getDeclaringClass()).isNotEqualTo(LockTimeoutOption.class);
        assertThat(String.join(" ", option.description())).contains("per batch");
    }

    @Test
    void everyCommandStillParsesTheOption() {
        assertThat(parsed("migrate", "--lock-timeout", "3s")).isEqualTo("3s");
        assertThat(parsed("rollback", "--count", "1", "--lock-timeout", "4s")).isEqualTo("4s");
        assertThat(parsed("configure", "--lock-timeout", "250ms")).isEqualTo("250ms");
        assertThat(parsed("targets", "add", "m1", "--lock-timeout", "2s")).isEqualTo("2s");
        assertThat(parsed("partitions", "sync", "--lock-timeout", "1min")).isEqualTo("1min");
    }

    private static String parsed(String... args) {
        Object value = Main.commandLine().parseArgs(args).subcommand().matchedOptionValue("--lock-timeout", (Object) null);
        return String.valueOf(value);
    }
}
