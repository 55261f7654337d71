package org.ddpm4j.api;

import org.ddpm4j.SettingException;

/**
 * A request setting outside its range. The message is {@code field: reason}, for example {@code steps: must be
 * in 1..1000, got 0}; the CLI maps the field to its flag, the studio to its JSON key.
 */
public final class InvalidRequestException extends SettingException {

    private static final long serialVersionUID = 1L;

    /**
     * @param reason what is wrong; a reason that names settings writes them as {@code {name}} (for example
     *     {@code "give only one budget: {epochs}, {steps} or {minutes}"}) and is then a whole message: the API
     *     shows the names as they are, the CLI as flags ({@code --epochs}). A reason without names reads after
     *     the field ({@code "must be >= 1, got 0"}).
     */
    public InvalidRequestException(String field, String reason) {
        super(field, reason);
    }

    /** A setting error from below the API, as the API's own type (the same field, reason and messages). */
    static InvalidRequestException of(SettingException e) {
        if (e instanceof InvalidRequestException ire) {
            return ire;
        }
        InvalidRequestException ire = new InvalidRequestException(e.field(), e.reason());
        ire.initCause(e);
        return ire;
    }

    static int range(String field, int v, int min, int max) {
        if (v < min || v > max) {
            throw new InvalidRequestException(field, "must be in " + min + ".." + max + ", got " + v);
        }
        return v;
    }

    static double range(String field, double v, double min, double max) {
        if (!(v >= min && v <= max)) {
            throw new InvalidRequestException(field, "must be in " + fmt(min) + ".." + fmt(max) + ", got " + v);
        }
        return v;
    }

    static long nonNegative(String field, long v) {
        if (v < 0) {
            throw new InvalidRequestException(field, "must be 0 or more, got " + v);
        }
        return v;
    }

    /** A class index as a request holds it: {@link org.ddpm4j.data.ClassChoice} syntax. */
    static String classIndex(int index) {
        return Long.toString(nonNegative("class", index));
    }

    /** A class folder name as a request holds it: {@code name:X}, never read as an index. */
    static String className(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidRequestException("class", "a class name must not be empty");
        }
        return org.ddpm4j.data.ClassChoice.NAME_PREFIX + name;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
