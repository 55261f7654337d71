package org.ddpm4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layers of docs/architecture.md, read from the sources of all three modules: no package refers to one of a
 * higher layer (the studio never to the CLI; the CLI, at the top, starts the studio for {@code ./ddpm serve}),
 * and each module holds exactly its layers: ddpm4j-core up to the API, ddpm4j-studio the studio, ddpm4j-cli the CLI.
 */
class LayeringTest {

    /** Layer of each package: a package may refer only to packages of its own layer or below. */
    static final Map<String, Integer> LAYER = Map.ofEntries(Map.entry("", 0), Map.entry("util", 0), Map.entry("schedule", 1),
            Map.entry("diffusion", 2), Map.entry("sampler", 3), Map.entry("model", 3), Map.entry("pipeline", 4),
            Map.entry("data", 5), Map.entry("config", 5), Map.entry("checkpoint", 5), Map.entry("image", 5), Map.entry("train", 6), Map.entry("eval", 6),
            Map.entry("api", 7), Map.entry("studio", 8), Map.entry("cli", 9));

    /** The module of each layer: the library up to the API, then the studio, then the CLI. */
    static String moduleOf(int layer) {
        return layer <= 7 ? "ddpm4j-core" : layer == 8 ? "ddpm4j-studio" : "ddpm4j-cli";
    }

    private static final Pattern REF = Pattern.compile("org\\.ddpm4j\\.([a-z]+)\\.[A-Za-z]");

    @Test
    void noPackageRefersToAHigherLayer() throws IOException {
        List<String> violations = new ArrayList<>();
        for (String module : List.of("ddpm4j-core", "ddpm4j-studio", "ddpm4j-cli")) {
            Path root = Path.of(module, "src/main/java/org/ddpm4j");
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Path rel = root.relativize(f);
                    String pkg = rel.getNameCount() > 1 ? rel.getName(0).toString() : "";
                    Integer own = LAYER.get(pkg);
                    assertTrue(own != null, "package " + pkg + " has no layer in docs/architecture.md and this test");
                    if (!moduleOf(own).equals(module)) {
                        violations.add(module + "/" + rel + ": layer " + own + " belongs in " + moduleOf(own));
                    }
                    // string literals and comments are not references
                    String code = Files.readString(f, StandardCharsets.UTF_8).replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
                            .replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
                    Matcher m = REF.matcher(code);
                    while (m.find()) {
                        String target = m.group(1);
                        Integer layer = LAYER.get(target);
                        if (layer == null) {
                            continue; // a class of the root package, e.g. org.ddpm4j.DdpmException
                        }
                        if (layer > own) {
                            violations.add(rel + " -> " + target);
                        }
                    }
                }
            }
        }
        assertTrue(violations.isEmpty(), "references against the layering: " + violations);
    }

    @Test
    void theLibraryModuleNeedsNoneOfTheApplicationsDependencies() throws IOException {
        String core = Files.readString(Path.of("ddpm4j-core/pom.xml"), StandardCharsets.UTF_8);
        for (String dep : List.of("picocli", "javalin", "slf4j-nop", "selenium")) {
            assertTrue(!core.contains(dep), "ddpm4j-core/pom.xml names " + dep);
        }
        String studio = Files.readString(Path.of("ddpm4j-studio/pom.xml"), StandardCharsets.UTF_8);
        assertTrue(!studio.contains("picocli"), "the studio module does not need the CLI's parser");
        assertTrue(!studio.contains("<artifactId>ddpm4j-cli</artifactId>"), "the studio module does not depend on the CLI");
        String example = Files.readString(Path.of("examples/quickstart/pom.xml"), StandardCharsets.UTF_8);
        assertTrue(example.contains("<artifactId>ddpm4j-core</artifactId>"), "the example depends on the library module");
    }
}
