package org.ddpm4j.util;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a cache directory of its own (system property {@code ddpm4j.cache}), so that the quality-meter
 * classifiers it trains on tiny data sets cannot reach another test class: with a cached classifier, training chooses
 * its weights at the end, which would change another class's defaults and timings.
 */
public final class PrivateCache implements BeforeAllCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(PrivateCache.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Path dir = Files.createTempDirectory("ddpm4j-cache");
        context.getStore(NS).put("before", String.valueOf(System.getProperty("ddpm4j.cache")));
        context.getStore(NS).put("dir", dir);
        System.setProperty("ddpm4j.cache", dir.toString());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        String before = context.getStore(NS).get("before", String.class);
        if (before == null || before.equals("null")) {
            System.clearProperty("ddpm4j.cache");
        } else {
            System.setProperty("ddpm4j.cache", before);
        }
        Path dir = context.getStore(NS).get("dir", Path.class);
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
