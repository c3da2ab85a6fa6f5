package io.ehe.design.select;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The JSON of a status that adds to another's: the inner status's JSON object, edited, printed as the
 * inner one was (pretty, a trailing newline kept). Inner JSON that is no object is passed on as it is.
 */
final class StatusJson {

    static final ObjectMapper JSON = new ObjectMapper();

    /** What a wrapping status adds to the inner status's object. */
    interface Edit {
        void apply(ObjectNode object) throws Exception;
    }

    private StatusJson() {
    }

    static String edited(String innerJson, Edit edit) {
        try {
            JsonNode node = JSON.readTree(innerJson);
            if (!(node instanceof ObjectNode object)) {
                return innerJson;
            }
            edit.apply(object);
            String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(object);
            return innerJson.endsWith("\n") ? text + "\n" : text;
        } catch (Exception e) {
            throw new IllegalStateException("status JSON could not be read back", e);
        }
    }

    /** "ready" false, and {@code reasons} added to "notReadyBecause" (an array, made when there is none). */
    static void notReady(ObjectNode object, List<String> reasons) {
        object.put("ready", false);
        ArrayNode why = object.has("notReadyBecause") && object.get("notReadyBecause").isArray()
                ? (ArrayNode) object.get("notReadyBecause") : object.putArray("notReadyBecause");
        reasons.forEach(why::add);
    }
}
