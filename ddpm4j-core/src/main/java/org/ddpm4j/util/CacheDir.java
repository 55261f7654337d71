package org.ddpm4j.util;

import java.nio.file.Path;
import java.nio.file.Paths;

/** Where ddpm4j caches derived data (classifiers, decoded image folders). */
public final class CacheDir {

    private CacheDir() {}

    /** System property ddpm4j.cache, else $DDPM4J_CACHE, else ~/.cache/ddpm4j. */
    public static Path get() {
        String prop = System.getProperty("ddpm4j.cache");
        if (prop != null && !prop.isBlank()) {
            return Paths.get(prop);
        }
        String env = System.getenv("DDPM4J_CACHE");
        return env != null && !env.isBlank() ? Paths.get(env) : Paths.get(System.getProperty("user.home"), ".cache", "ddpm4j");
    }
}
