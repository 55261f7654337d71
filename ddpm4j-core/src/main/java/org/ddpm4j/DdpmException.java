package org.ddpm4j;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An error caused by the user's input or environment (bad file, bad setting, unwritable directory).
 *
 * <p>The CLI prints its message as one line and exits non-zero; it never shows a stack trace for it,
 * so the message must say what is wrong and, where possible, what to do. A message that names a setting
 * writes it as {@code {name}} (for example {@code "lower {lr}"}): {@link #getMessage()} shows the bare name,
 * {@link #flagMessage()} the command-line flag ({@code --lr}); nothing below the CLI spells a flag.
 */
public class DdpmException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private static final Pattern NAME = Pattern.compile("\\{([a-z0-9-]+)\\}");

    private final String template;

    public DdpmException(String message) {
        super(render(message, ""));
        this.template = message;
    }

    public DdpmException(String message, Throwable cause) {
        super(render(message, ""), cause);
        this.template = message;
    }

    /** The message with setting names shown as command-line flags: {@code lower --lr}. */
    public String flagMessage() {
        return render(template, "--");
    }

    /** {@code template} with every {@code {name}} written as {@code prefix + name}. */
    protected static String render(String template, String prefix) {
        return template == null ? null : NAME.matcher(template).replaceAll(Matcher.quoteReplacement(prefix) + "$1");
    }
}
