package io.ehe.design;

/**
 * A command would discard state (a different question: the pending table emptied, targets dropped)
 * or act on a name no data uses (a target model with no event_embeddings row), and the option that
 * says it is deliberate was not given. Nothing was changed; the message names the option and what
 * --dry-run would show. Exit code 13 (io.ehe.cli.ExitCodes.NOT_CONFIRMED).
 */
public final class NotConfirmedException extends IllegalStateException {

    public NotConfirmedException(String message) {
        super(message);
    }
}
