package org.ddpm4j.studio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.Run;

/**
 * The runs a studio serves: the directories below one runs directory (up to {@link #MAX_DEPTH} deep) that hold
 * a checkpoint. A request names a run; the name must be one the listing produced before it is joined to the
 * runs directory, so no request can reach a file outside it.
 */
final class RunCatalog {

    /** What a run name may look like (also the shape of every directory name listed). */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private final Path root;
    /** Opened runs, least recently used first; their tensors together stay under {@link #cacheBudget}. */
    private final java.util.LinkedHashMap<String, Cached> cache = new java.util.LinkedHashMap<>(16, 0.75f, true);
    private final long cacheBudget = Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 4);

    private record Cached(FileTime modified, long size, Run run) {}

    RunCatalog(Path root) {
        if (!Files.isDirectory(root)) {
            throw new DdpmException("no runs directory at " + root + " (train a run first: ./ddpm train --out " + root + "/NAME)");
        }
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    /** How deep below the runs directory runs are found: {@code runs/quality/unet-30m/guide} is depth 3. */
    static final int MAX_DEPTH = 3;

    /**
     * The names of the runs, sorted: every directory up to {@link #MAX_DEPTH} below the runs directory that
     * holds a checkpoint ({@code RUN/guide} included), named by its relative path ({@code quality/unet-30m}).
     * Every component must look like {@link #NAME}; symbolic links are not descended into.
     */
    List<String> names() {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root, MAX_DEPTH)) {
            s.filter(p -> !p.equals(root) && validName(root.relativize(p)) && Run.exists(p))
                    .forEach(p -> out.add(name(root.relativize(p))));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new DdpmException("cannot list " + root + ": " + e.getMessage());
        }
        out.sort(null);
        return out;
    }

    private static boolean validName(Path rel) {
        for (Path part : rel) {
            if (!NAME.matcher(part.toString()).matches()) {
                return false;
            }
        }
        return true;
    }

    private static String name(Path rel) {
        StringBuilder b = new StringBuilder();
        for (Path part : rel) {
            b.append(b.length() == 0 ? "" : "/").append(part);
        }
        return b.toString();
    }

    /** True if {@code name} has the shape of a listed name: 1 to {@link #MAX_DEPTH} components like {@link #NAME}. */
    static boolean wellFormed(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        String[] parts = name.split("/", -1);
        if (parts.length > MAX_DEPTH) {
            return false;
        }
        for (String p : parts) {
            if (!NAME.matcher(p).matches()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The run called {@code name}, opened (and cached until its checkpoint changes). Unknown names,
     * including anything with a slash or dots, are a {@link NotFound}.
     */
    Run get(String name) {
        return get(name, names());
    }

    /** As {@link #get(String)}, against a listing the caller already made (one walk of the folder per request). */
    synchronized Run get(String name, List<String> listed) {
        if (!wellFormed(name) || !listed.contains(name)) {
            throw new NotFound("no run named '" + abbreviate(name) + "' in the runs directory");
        }
        Path dir = root.resolve(name);
        Path file = dir.resolve(Run.CHECKPOINT);
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            Cached c = cache.get(name);
            if (c == null || !c.modified.equals(modified) || c.size != size) {
                cache.remove(name);
                c = new Cached(modified, size, Run.open(dir).forSampling());
                cache.put(name, c);
                long total = 0;
                for (Cached x : cache.values()) {
                    total += x.run.tensorBytes();
                }
                var it = cache.entrySet().iterator();
                while (total > cacheBudget && cache.size() > 1 && it.hasNext()) {
                    var eldest = it.next();
                    if (eldest.getKey().equals(name)) {
                        continue;
                    }
                    total -= eldest.getValue().run.tensorBytes();
                    it.remove();
                }
            }
            return c.run;
        } catch (IOException e) {
            throw new NotFound("run '" + name + "' is gone (" + e.getMessage() + ")");
        }
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        String clean = s.replaceAll("[\\p{Cntrl}]", "?");
        return clean.length() > 40 ? clean.substring(0, 40) + "..." : clean;
    }

    /** A request for something that does not exist (HTTP 404). */
    static final class NotFound extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotFound(String message) {
            super(message);
        }
    }
}
