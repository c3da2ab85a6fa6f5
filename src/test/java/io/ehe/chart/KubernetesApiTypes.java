package io.ehe.chart;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rendered manifests read into the Kubernetes API's own types: the fabric8 Kubernetes model 8.0.0, which is
 * generated from the OpenAPI schema of Kubernetes 1.37.0. Read strictly, so that what the API server would
 * reject or silently drop fails here: a field the type does not have, a value of the wrong type, an
 * apiVersion/kind the model does not know, a key given twice.
 *
 * <p>Not covered: what the types cannot say (required fields, enum values such as restartPolicy, name
 * formats); the API server's validation checks those at apply time.
 */
final class KubernetesApiTypes {

    /**
     * fabric8's model classes catch every unknown field in an @JsonAnySetter map (additionalProperties),
     * so FAIL_ON_UNKNOWN_PROPERTIES alone would never fire: the any-setters are switched off, which turns an
     * unknown field back into an unknown property. Their @JsonIgnore'd "additionalProperties" property
     * would still swallow a key of that name silently, hence FAIL_ON_IGNORED_PROPERTIES.
     * Scalars are not coerced: Kubernetes' JSON decoding rejects "0" for an integer, 0 for a string, 1.5
     * for an integer, "false" for a boolean.
     */
    private static final JsonMapper STRICT = JsonMapper.builder()
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(MapperConfig<?> config, Annotated a) {
                    return Boolean.FALSE;
                }
            })
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_IGNORED_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    /** fabric8's own defaults: only to find the class for apiVersion and kind. */
    private static final JsonMapper LENIENT = new JsonMapper();

    private KubernetesApiTypes() {
    }

    /** One line per document the Kubernetes API would not take as rendered; empty when all are fine. */
    static List<String> problems(String renderedYaml) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        List<String> problems = new ArrayList<>();
        int index = 0;
        try {
            for (Object doc : new Yaml(new SafeConstructor(options)).loadAll(renderedYaml)) {
                if (doc == null) {
                    continue;
                }
                index++;
                problems.addAll(problems(index, doc));
            }
        } catch (RuntimeException e) {
            problems.add("document " + (index + 1) + ": not YAML the API server would read: " + e.getMessage());
        }
        return problems;
    }

    /** How many documents {@code renderedYaml} holds, so a caller can tell that it checked something. */
    static int documents(String renderedYaml) {
        int n = 0;
        for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(renderedYaml)) {
            if (doc != null) {
                n++;
            }
        }
        return n;
    }

    private static List<String> problems(int index, Object doc) {
        String where = "document " + index + describe(doc);
        try {
            // The model picks the class from apiVersion and kind; anything it does not know becomes a
            // GenericKubernetesResource, which the API server would not know either.
            Class<? extends KubernetesResource> type = LENIENT.convertValue(doc, KubernetesResource.class).getClass();
            if (type == GenericKubernetesResource.class) {
                return List.of(where + ": apiVersion/kind unknown to the Kubernetes API model");
            }
            STRICT.convertValue(doc, type);
            return List.of();
        } catch (JacksonException e) {
            return List.of(where + " at " + path(e) + ": " + shorter(e.getOriginalMessage()));
        } catch (IllegalArgumentException e) {
            return List.of(where + ": " + e.getMessage());
        }
    }

    /** The field's place in the document, e.g. spec.template.spec.containers[0].image. */
    private static String path(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "the top" : path.toString();
    }

    /** Jackson lists every known property of the type after an unknown one: the name is enough here. */
    private static String shorter(String message) {
        String first = message.lines().findFirst().orElse("");
        return first.replaceAll(",? not marked as ignorable.*|\\s*\\(\\d+ known properties:.*", "");
    }

    private static String describe(Object doc) {
        if (doc instanceof Map<?, ?> m) {
            return " (" + m.get("apiVersion") + " " + m.get("kind") + " " + Chart.at(m, "metadata", "name") + ")";
        }
        return "";
    }
}
