package org.ddpm4j.util;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import org.ddpm4j.DdpmException;

/** The one JSON mapper of ddpm4j (config records to and from JSON). */
public final class Json {

    public static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();
    public static final Gson PRETTY = new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();

    private Json() {}

    /** Decodes a JSON element into a record, turning any failure into a one-line error about {@code what}. */
    public static <T> T decode(JsonElement e, Class<T> type, String what) {
        if (e == null || e.isJsonNull()) {
            throw new DdpmException(what + " is missing");
        }
        try {
            T v = GSON.fromJson(e, type);
            if (v == null) {
                throw new DdpmException(what + " is empty");
            }
            return v;
        } catch (JsonParseException | IllegalArgumentException ex) {
            Throwable root = ex;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof DdpmException de) {
                throw new DdpmException(what + " is invalid: " + de.getMessage());
            }
            throw new DdpmException(what + " is invalid: " + root.getMessage());
        } catch (RuntimeException ex) {
            Throwable root = ex;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new DdpmException(what + " is invalid: " + root.getMessage());
        }
    }
}
