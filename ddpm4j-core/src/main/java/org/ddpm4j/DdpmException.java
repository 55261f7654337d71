package org.ddpm4j;

/**
 * An error caused by the user's input or environment (bad file, bad flag, unwritable directory).
 *
 * <p>The CLI prints its message as one line and exits non-zero; it never shows a stack trace for it,
 * so the message must say what is wrong and, where possible, what to do.
 */
public class DdpmException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DdpmException(String message) {
        super(message);
    }

    public DdpmException(String message, Throwable cause) {
        super(message, cause);
    }
}
