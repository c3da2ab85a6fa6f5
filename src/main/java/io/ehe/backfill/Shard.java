package io.ehe.backfill;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which part of the id space this process walks: shard {@code index} (0-based, like a Kubernetes
 * Indexed Job's JOB_COMPLETION_INDEX) of {@code count}. {@code 0/1} is the whole table.
 */
public record Shard(int index, int count) {

    public static final int MAX_SHARDS = 256;
    public static final String INDEX_ENV = "JOB_COMPLETION_INDEX";
    private static final Pattern FORM = Pattern.compile("^([0-9]{1,4})/([0-9]{1,4})$");

    public Shard {
        if (count < 1 || count > MAX_SHARDS) {
            throw new IllegalArgumentException("shard count must be between 1 and " + MAX_SHARDS + " (got " + count + ")");
        }
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("shard index must be between 0 and " + (count - 1)
                    + " for " + count + " shards (got " + index + "; indexes start at 0)");
        }
    }

    public static Shard whole() {
        return new Shard(0, 1);
    }

    /** {@code --shard I/N}. */
    public static Shard parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("--shard: '" + text + "' is not I/N (e.g. 0/3; I counts from 0)");
        }
        try {
            return new Shard(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--shard " + text + ": " + e.getMessage());
        }
    }

    /** {@code --shards N}: the index comes from {@code $JOB_COMPLETION_INDEX} (value passed in). */
    public static Shard fromJobIndex(int count, String indexValue) {
        if (count < 1 || count > MAX_SHARDS) {
            throw new IllegalArgumentException("--shards must be between 1 and " + MAX_SHARDS + " (got " + count + ")");
        }
        if (indexValue == null || indexValue.isBlank()) {
            throw new IllegalArgumentException("--shards " + count + " needs $" + INDEX_ENV
                    + " (set by a Kubernetes Indexed Job); outside one use --shard I/N");
        }
        if (!indexValue.trim().matches("[0-9]{1,4}")) {
            throw new IllegalArgumentException("$" + INDEX_ENV + " '" + indexValue + "' is not a shard index");
        }
        try {
            return new Shard(Integer.parseInt(indexValue.trim()), count);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--shards " + count + " with $" + INDEX_ENV + "=" + indexValue + ": " + e.getMessage());
        }
    }

    /** The shard as log fields: "0/3" to read, index and count to group by. */
    Map<String, Object> logFields() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("shard", toString());
        f.put("shard_index", index);
        f.put("shard_count", count);
        return f;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
