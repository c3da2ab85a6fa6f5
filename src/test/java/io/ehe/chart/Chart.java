package io.ehe.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The chart under {@code chart/}, rendered by the real Helm library (helm-java bundles Helm itself), and
 * the rendered manifests as plain maps (SnakeYAML).
 */
final class Chart {

    static final Path DIR = Path.of("chart").toAbsolutePath();
    static final String RELEASE = "ehe";
    static final String NAMESPACE = "prod";
    /**
     * The cluster version Helm renders for (helm-java's default is 1.20, below the chart's kubeVersion
     * constraint): the first version in which podFailurePolicy is generally available.
     */
    static final String KUBE_VERSION = "1.31.0";

    private Chart() {
    }

    static LintResult lint(Path chartDir) {
        return new Helm(chartDir).lint().strict().call();
    }

    /** helm template with the given values files and --set pairs (key, value, key, value, ...). */
    static Rendered template(Path chartDir, List<Path> valuesFiles, String... sets) {
        return template(chartDir, RELEASE, NAMESPACE, valuesFiles, sets);
    }

    /** helm template as release {@code release} in {@code namespace}. */
    static Rendered template(Path chartDir, String release, String namespace, List<Path> valuesFiles, String... sets) {
        TemplateCommand cmd = new Helm(chartDir).template().withName(release).withNamespace(namespace).withKubeVersion(KUBE_VERSION);
        for (Path values : valuesFiles) {
            cmd = cmd.withValuesFile(values);
        }
        for (int i = 0; i < sets.length; i += 2) {
            cmd = cmd.set(sets[i], sets[i + 1]);
        }
        return new Rendered(cmd.call());
    }

    static Rendered template(String... sets) {
        return template(DIR, List.of(), sets);
    }

    static Rendered template(Path valuesFile, String... sets) {
        return template(DIR, List.of(valuesFile), sets);
    }

    /** The NOTES a real install would print (client-only dry run: no cluster is contacted). */
    static String installNotes(List<Path> valuesFiles, String... sets) {
        var cmd = new Helm(DIR).install().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION).dryRun().clientOnly();
        for (Path values : valuesFiles) {
            cmd = cmd.withValuesFile(values);
        }
        for (int i = 0; i < sets.length; i += 2) {
            cmd = cmd.set(sets[i], sets[i + 1]);
        }
        return cmd.call().getOutput();
    }

    /**
     * helm template of a chart (its subcharts in charts/ included) with its hook resources, which
     * helm-java's template leaves out. A copy of the chart in {@code work} has the hook annotation key
     * renamed, so Helm renders those resources as ordinary ones; the key is put back in the result, which
     * is then the hooks and the manifest exactly as Helm would send them to the cluster.
     */
    static Rendered templateWithHooks(Path chartDir, Path work, String release, String namespace, List<Path> valuesFiles,
                                      String... sets) {
        try {
            copyTree(chartDir, work);
            int renamed = 0;
            try (Stream<Path> paths = Files.walk(work)) {
                for (Path p : paths.filter(f -> isTemplate(work.relativize(f), f)).toList()) {
                    String text = Files.readString(p);
                    if (text.contains(HOOK_KEY)) {
                        Files.writeString(p, text.replace(HOOK_KEY, UNHOOKED_KEY));
                        renamed++;
                    }
                }
            }
            if (renamed == 0) {
                throw new IllegalStateException("no template of " + chartDir + " declares a hook");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Rendered r = template(work, release, namespace, valuesFiles, sets);
        if (r.text().contains(HOOK_KEY)) {
            throw new IllegalStateException("a hook key survived the rename, so the result would be ambiguous:\n" + r.text());
        }
        return new Rendered(r.text().replace(UNHOOKED_KEY, HOOK_KEY));
    }

    static Rendered templateWithHooks(Path work, String... sets) {
        return templateWithHooks(DIR, work, RELEASE, NAMESPACE, List.of(), sets);
    }

    /** "helm.sh/hook:" only: the hook-weight and hook-delete-policy keys stay as they are. */
    private static final String HOOK_KEY = "helm.sh/hook:";
    private static final String UNHOOKED_KEY = "test.invalid/hook:";

    /** A file in a templates/ folder of the chart or of one of its subcharts, at any depth. */
    private static boolean isTemplate(Path relative, Path p) {
        if (!Files.isRegularFile(p)) {
            return false;
        }
        for (Path part : relative) {
            if (part.toString().equals("templates")) {
                return true;
            }
        }
        return false;
    }

    static Path resource(String name) {
        return Path.of("src/test/resources/io/ehe/chart", name).toAbsolutePath();
    }

    /** A copy of the chart in {@code target} with {@code edit} applied to one template's text. */
    static Path copyWithEdit(Path target, String template, UnaryOperator<String> edit) {
        try {
            copyTree(DIR, target);
            Path file = target.resolve("templates").resolve(template);
            String before = Files.readString(file);
            String after = edit.apply(before);
            if (after.equals(before)) {
                throw new IllegalStateException("the edit changed nothing in " + template);
            }
            Files.writeString(file, after);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.sorted(Comparator.naturalOrder()).toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
    }

    /** The output of one helm template run. */
    record Rendered(String text, List<Map<String, Object>> docs) {

        Rendered(String text) {
            this(text, parse(text));
        }

        private static List<Map<String, Object>> parse(String text) {
            List<Map<String, Object>> docs = new ArrayList<>();
            for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(text)) {
                if (doc != null) {
                    docs.add(map(doc));
                }
            }
            return docs;
        }

        List<Map<String, Object>> ofKind(String kind) {
            return docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
        }

        Map<String, Object> one(String kind, String name) {
            List<Map<String, Object>> found = docs.stream()
                    .filter(d -> kind.equals(d.get("kind")) && name.equals(at(d, "metadata", "name")))
                    .toList();
            if (found.size() != 1) {
                throw new AssertionError("expected one " + kind + " " + name + ", found " + found.size() + " in:\n" + text);
            }
            return found.get(0);
        }

        List<String> kindsAndNames() {
            return docs.stream().map(d -> d.get("kind") + "/" + at(d, "metadata", "name")).toList();
        }
    }

    /** The pod spec of a Pod, a Job or a CronJob's job template. */
    static Map<String, Object> podSpec(Map<String, Object> doc) {
        return switch (String.valueOf(doc.get("kind"))) {
            case "Pod" -> map(at(doc, "spec"));
            case "Job" -> map(at(doc, "spec", "template", "spec"));
            case "CronJob" -> map(at(doc, "spec", "jobTemplate", "spec", "template", "spec"));
            default -> throw new IllegalArgumentException("not a Pod, Job or CronJob: " + doc.get("kind"));
        };
    }

    /** The Job spec of a Job, or the job template's spec of a CronJob. */
    static Map<String, Object> jobSpec(Map<String, Object> doc) {
        return switch (String.valueOf(doc.get("kind"))) {
            case "Job" -> map(at(doc, "spec"));
            case "CronJob" -> map(at(doc, "spec", "jobTemplate", "spec"));
            default -> throw new IllegalArgumentException("not a Job or CronJob: " + doc.get("kind"));
        };
    }

    static List<Map<String, Object>> containers(Map<String, Object> doc) {
        List<Map<String, Object>> all = new ArrayList<>(list(podSpec(doc).get("containers")));
        Object init = podSpec(doc).get("initContainers");
        if (init != null) {
            all.addAll(list(init));
        }
        return all;
    }

    static List<String> args(Map<String, Object> container) {
        Object args = container.get("args");
        return args == null ? List.of() : ((List<?>) args).stream().map(String::valueOf).toList();
    }

    static Map<String, Object> annotations(Map<String, Object> doc) {
        Object a = at(doc, "metadata", "annotations");
        return a == null ? Map.of() : map(a);
    }

    static Object at(Object node, String... path) {
        Object current = node;
        for (String key : path) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(key);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) Objects.requireNonNull(o, "missing map");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) Objects.requireNonNull(o, "missing list");
    }

    /** A deep copy with one key removed at the top of metadata (for comparing two renderings). */
    static Map<String, Object> withoutMetadata(Map<String, Object> doc, String... keys) {
        Map<String, Object> copy = new LinkedHashMap<>(doc);
        Map<String, Object> meta = new LinkedHashMap<>(map(doc.get("metadata")));
        for (String k : keys) {
            meta.remove(k);
        }
        copy.put("metadata", meta);
        return copy;
    }
}
