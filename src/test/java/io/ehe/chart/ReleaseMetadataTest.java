package io.ehe.chart;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.ehe.chart.Chart.list;
import static io.ehe.chart.Chart.map;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a platform team checks before taking the chart and the image: the licence (one SPDX id everywhere),
 * Artifact Hub's chart metadata, and OCI labels with the version and revision the build script passes.
 * `helm lint --strict` of the chart is HelmChartTest.lintPasses.
 */
class ReleaseMetadataTest {

    private static final String LICENSE = "Apache-2.0";
    private static final Path ROOT = Path.of("").toAbsolutePath();

    @Test
    void theRepositoryCarriesTheApacheLicenceAndEveryManifestNamesIt() throws IOException {
        String text = Files.readString(ROOT.resolve("LICENSE"));
        assertThat(text).contains("Apache License").contains("Version 2.0, January 2004")
                .contains("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION").contains("END OF TERMS AND CONDITIONS");
        assertThat(chartAnnotations()).containsEntry("artifacthub.io/license", LICENSE);
        assertThat(dockerfileLabels()).containsEntry("org.opencontainers.image.licenses", LICENSE);
    }

    @Test
    void theChartHasWhatArtifactHubShows() throws IOException {
        Map<String, Object> chart = chartYaml();
        assertThat((String) chart.get("home")).startsWith("https://");
        assertThat(list(chart.get("maintainers"))).isNotEmpty().allSatisfy(m -> assertThat((String) m.get("name")).isNotBlank());
        assertThat((List<?>) chart.get("sources")).isNotEmpty().allSatisfy(s -> assertThat((String) s).startsWith("https://"));
        assertThat((String) chart.get("kubeVersion")).as("podFailurePolicy needs 1.26+").isEqualTo(">=1.26.0-0");
        // Artifact Hub reads these two annotations as YAML lists held in strings.
        for (String key : List.of("artifacthub.io/links")) {
            List<Map<String, Object>> links = list(yaml((String) chartAnnotations().get(key)));
            assertThat(links).as(key).isNotEmpty().allSatisfy(l -> {
                assertThat((String) l.get("name")).isNotBlank();
                assertThat((String) l.get("url")).startsWith("https://");
            });
        }
        assertThat(chartAnnotations()).containsKeys("artifacthub.io/category", "artifacthub.io/operator", "artifacthub.io/prerelease");
    }

    @Test
    void theImageIsLabelledWithTheVersionAndTheRevisionTheBuildScriptPasses() throws Exception {
        Map<String, String> labels = dockerfileLabels();
        assertThat(labels).containsEntry("org.opencontainers.image.version", "${VERSION}")
                .containsEntry("org.opencontainers.image.revision", "${REVISION}")
                .containsEntry("org.opencontainers.image.source", "${SOURCE}")
                .containsKeys("org.opencontainers.image.title", "org.opencontainers.image.description");
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        String runtimeBase = dockerfile.substring(dockerfile.indexOf("AS runtime-base"), dockerfile.indexOf("AS runtime-prebuilt"));
        assertThat(runtimeBase).as("a build arg is only seen in the stage that declares it")
                .contains("ARG VERSION=").contains("ARG REVISION=").contains("ARG SOURCE=");

        String printed = run(Map.of("DRY_RUN", "1", "REVISION", "", "VERSION", ""), "scripts/build-image.sh");
        assertThat(printed).contains("--build-arg VERSION=" + pomVersion() + " ");
        String head = run(Map.of(), "git", "rev-parse", "HEAD").trim();
        assertThat(head).matches("[0-9a-f]{40}");
        assertThat(printed).containsPattern("--build-arg REVISION=" + head + "(-dirty)? ");
        assertThat(run(Map.of("DRY_RUN", "1", "VERSION", "9.9.9", "REVISION", "abc123"), "scripts/build-image.sh"))
                .contains("--build-arg VERSION=9.9.9 ").contains("--build-arg REVISION=abc123 ");
    }

    // ---------------------------------------------------------------------------------------------

    private static Map<String, Object> chartYaml() throws IOException {
        return map(yaml(Files.readString(Chart.DIR.resolve("Chart.yaml"))));
    }

    private static Map<String, Object> chartAnnotations() throws IOException {
        return map(chartYaml().get("annotations"));
    }

    private static Object yaml(String text) {
        return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    }

    /** The LABEL instructions' key="value" pairs (backslash continuations joined). */
    private static Map<String, String> dockerfileLabels() throws IOException {
        String joined = Files.readString(ROOT.resolve("Dockerfile")).replace("\\\n", " ");
        Map<String, String> labels = new java.util.LinkedHashMap<>();
        for (String line : joined.split("\n")) {
            if (line.startsWith("LABEL ")) {
                Matcher m = Pattern.compile("([\\w.-]+)=\"([^\"]*)\"").matcher(line);
                while (m.find()) {
                    labels.put(m.group(1), m.group(2));
                }
            }
        }
        return labels;
    }

    /** The project's own version from pom.xml (/project/version). */
    private static String pomVersion() throws Exception {
        var factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Element project = factory.newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile()).getDocumentElement();
        for (Node n = project.getFirstChild(); n != null; n = n.getNextSibling()) {
            if ("version".equals(n.getNodeName())) {
                return n.getTextContent().trim();
            }
        }
        throw new AssertionError("pom.xml has no /project/version");
    }

    private static String run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
        return out;
    }
}
