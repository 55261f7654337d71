package org.ddpm4j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every {@code ./ddpm} command line in README.md and docs/ parses with the current CLI (picocli, nothing run).
 * The rule for placeholders: {@code [optional parts]} are dropped, {@code a|b} alternatives take the first,
 * and upper-case words (RUN, DIR, N, ...) become {@code 1}; a line with {@code ...} or {@code …} is a pattern,
 * and a command name alone ({@code ./ddpm eval}) is prose.
 */
class DocsCommandsTest {

    private static final Pattern SPAN = Pattern.compile("`(\\./ddpm [^`]+)`");

    static List<String> commandLines() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> walk = Files.walk(Path.of("docs"))) {
            walk.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
        }
        List<String> out = new ArrayList<>();
        for (Path doc : docs) {
            boolean code = false;
            for (String line : Files.readAllLines(doc, StandardCharsets.UTF_8)) {
                if (line.startsWith("```")) {
                    code = !code;
                    continue;
                }
                if (code) {
                    int at = line.indexOf("./ddpm ");
                    if (at >= 0) {
                        out.add(doc + ": " + line.substring(at).replaceAll("\\s+#.*$", ""));
                    }
                    continue;
                }
                Matcher m = SPAN.matcher(line);
                while (m.find()) {
                    out.add(doc + ": " + m.group(1));
                }
            }
        }
        return out;
    }

    static String[] normalise(String cmd) {
        String c = cmd.replace("\\|", "|").replaceAll("\\[[^\\]]*\\]", " ").replaceAll(",\\s*then.*$", "");
        List<String> args = new ArrayList<>();
        for (String tok : c.trim().split("\\s+")) {
            if (tok.equals("./ddpm") || tok.isEmpty()) {
                continue;
            }
            if (tok.contains("|") && !tok.startsWith("'")) {
                tok = tok.substring(0, tok.indexOf('|'));
            }
            tok = tok.replaceAll("\\b[A-Z][A-Z0-9_]*\\b", "1");
            args.add(tok);
        }
        return args.toArray(String[]::new);
    }

    @Test
    void everyDocumentedCommandParses() throws IOException {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (String entry : commandLines()) {
            String cmd = entry.substring(entry.indexOf(": ") + 2);
            if (cmd.contains("...") || cmd.contains("…")) {
                continue; // a pattern, not a command
            }
            String[] args = normalise(cmd);
            if (args.length <= 1) {
                continue; // prose naming a command ("`./ddpm eval`"), not a command line
            }
            CommandLine cl = new CommandLine(new Main(new PrintStream(PrintStream.nullOutputStream()), new PrintStream(PrintStream.nullOutputStream())));
            cl.setCaseInsensitiveEnumValuesAllowed(true);
            try {
                cl.parseArgs(args);
                checked++;
            } catch (CommandLine.ParameterException e) {
                failures.add(entry + "  ->  " + e.getMessage());
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " documented commands do not parse:\n" + String.join("\n", failures));
        assertTrue(checked > 30, "only " + checked + " commands found");
    }
}
