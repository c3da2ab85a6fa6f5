package io.ehe.cli;

import io.ehe.catalog.Semantics;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * What "pending" means, as options: a preset ({@code --semantics seed|app}) and per-column
 * overrides, each taking a column name or {@code none}. Shared by migrate and configure; validated
 * before any connection. The app's question (README "What pending means") is
 * {@code --semantics app --target-model <model>}.
 */
public final class SemanticsOptions {

    @Option(names = "--semantics", paramLabel = "PRESET",
            description = "seed: any event_embeddings row counts (the default, the seed PR's question); "
                    + "app: a chunk-0 row of a target model counts, superseded events never pending, newest by created_at "
                    + "(columns embedding_model, chunk_index, superseded_by, created_at)")
    String preset;

    @Option(names = "--model-column", paramLabel = "COLUMN", description = "event_embeddings' model column, or none")
    String modelColumn;

    @Option(names = "--chunk-column", paramLabel = "COLUMN", description = "event_embeddings' chunk column (only chunk 0 counts), or none")
    String chunkColumn;

    @Option(names = "--superseded-column", paramLabel = "COLUMN",
            description = "events' column whose non-NULL value marks a superseded event (never pending), or none")
    String supersededColumn;

    @Option(names = "--created-column", paramLabel = "COLUMN",
            description = "events' creation time, for the scheduler's newest-first order, or none (newest = highest id)")
    String createdColumn;

    @Option(names = "--target-model", paramLabel = "MODEL",
            description = "a model the scheduler back-fills (repeat for several); needs a model column")
    List<String> targetModels = new ArrayList<>();

    /** True when any of these options was given. */
    public boolean given() {
        return questionGiven() || !targetModels.isEmpty();
    }

    /** True when the question itself (a preset or a column) was given, not only target models. */
    public boolean questionGiven() {
        return preset != null || modelColumn != null || chunkColumn != null || supersededColumn != null || createdColumn != null;
    }

    /** The requested semantics; a bad preset or column name is an IllegalArgumentException (usage error). */
    public Semantics semantics() {
        Semantics base;
        String p = preset == null ? "seed" : preset.trim().toLowerCase(Locale.ROOT);
        switch (p) {
            case "seed" -> base = Semantics.SEED;
            case "app" -> base = Semantics.app();
            default -> throw new IllegalArgumentException("--semantics must be seed or app");
        }
        return new Semantics(pick(modelColumn, base.modelColumn()), pick(chunkColumn, base.chunkColumn()),
                pick(supersededColumn, base.supersededColumn()), pick(createdColumn, base.createdColumn()), List.of());
    }

    /**
     * The requested question as a change of the installed one: with {@code --semantics} the preset with
     * the columns given (the installed question plays no part); without it the installed question with
     * only the columns given replaced, so {@code --chunk-column none} alone changes the chunk column and
     * nothing else. A bad preset or column name is an IllegalArgumentException (usage error), thrown
     * here, before any connection.
     */
    public UnaryOperator<Semantics> adjustment() {
        if (preset != null) {
            Semantics requested = semantics();
            return installed -> requested;
        }
        semantics(); // validates the column names now
        return installed -> new Semantics(pick(modelColumn, installed.modelColumn()), pick(chunkColumn, installed.chunkColumn()),
                pick(supersededColumn, installed.supersededColumn()), pick(createdColumn, installed.createdColumn()), List.of());
    }

    /** True when --semantics was given: the question is the preset's, not an adjustment of the installed one. */
    public boolean presetGiven() {
        return preset != null;
    }

    public List<String> targetModels() {
        return List.copyOf(targetModels);
    }

    private static String pick(String given, String preset) {
        if (given == null) {
            return preset;
        }
        String v = given.trim();
        return v.equalsIgnoreCase("none") ? null : v;
    }
}
