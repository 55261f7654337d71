package org.ddpm4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The README's Java example is the code CI runs: every line of it appears, in order, in examples/quickstart. */
class ReadmeTest {

    @org.junit.jupiter.api.Test
    void theJavaSectionIsTheQuickstartExample() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int section = readme.indexOf("## Use it from Java");
        assertTrue(section >= 0, "README has a Java section");
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        int end = readme.indexOf("```", start);
        String example = Files.readString(Path.of("examples/quickstart/src/main/java/example/Quickstart.java"), StandardCharsets.UTF_8);
        int at = 0;
        for (String line : readme.substring(start, end).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int found = example.indexOf(line.strip(), at);
            assertTrue(found >= 0, "README line not in the example (or out of order): " + line);
            at = found + line.strip().length();
        }
    }

    @org.junit.jupiter.api.Test
    void theReadmeIsShortAndEveryRelativeLinkInTheDocsExists() throws IOException {
        long lines = Files.readAllLines(Path.of("README.md"), StandardCharsets.UTF_8).size();
        assertTrue(lines <= 300, "README.md has " + lines + " lines; studies belong in docs/results/");
        java.util.List<Path> docs = new java.util.ArrayList<>(java.util.List.of(Path.of("README.md")));
        try (var walk = Files.walk(Path.of("docs"))) {
            walk.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
        }
        java.util.regex.Pattern link = java.util.regex.Pattern.compile("\\]\\(([^)\\s]+)\\)");
        java.util.List<String> missing = new java.util.ArrayList<>();
        for (Path doc : docs) {
            java.util.regex.Matcher m = link.matcher(Files.readString(doc, StandardCharsets.UTF_8));
            while (m.find()) {
                String target = m.group(1).replaceAll("#.*$", "");
                if (target.isEmpty() || target.matches("^[a-z]+:.*")) {
                    continue; // an anchor or a web address
                }
                Path p = doc.getParent() == null ? Path.of(target) : doc.getParent().resolve(target);
                if (!Files.exists(p)) {
                    missing.add(doc + " -> " + m.group(1));
                }
            }
        }
        assertTrue(missing.isEmpty(), "links to missing files: " + missing);
    }
}
