package org.ddpm4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Images {@code from} to {@code to - 1} of one request: run number {@code run} of the job, seed {@code seed}.
 * A task draws a list of slices; {@link #plan} cuts a job into them.
 */
public record Slice(int run, long seed, int from, int to) implements Serializable {

    /** The images of the slice. */
    public int size() {
        return to - from;
    }

    /**
     * Cuts requests of {@code images[r]} images (for every run r, once per seed) into at most {@code tasks}
     * tasks of whole batches: consecutive batches of one request stay in one slice, so every slice starts at a
     * multiple of {@code batch} and draws its images exactly as a single process would. The tasks get nearly equal
     * numbers of batches, in request order.
     */
    public static List<List<Slice>> plan(int[] images, long[] seeds, int batch, int tasks) {
        if (batch < 1 || tasks < 1) {
            throw new IllegalArgumentException("batch and tasks must be positive");
        }
        List<Slice> batches = new ArrayList<>();
        for (int r = 0; r < images.length; r++) {
            for (long seed : seeds) {
                for (int from = 0; from < images[r]; from += batch) {
                    batches.add(new Slice(r, seed, from, Math.min(images[r], from + batch)));
                }
            }
        }
        int t = Math.min(tasks, batches.size());
        List<List<Slice>> out = new ArrayList<>();
        for (int k = 0; k < t; k++) {
            int a = (int) ((long) batches.size() * k / t);
            int b = (int) ((long) batches.size() * (k + 1) / t);
            List<Slice> task = new ArrayList<>();
            for (Slice s : batches.subList(a, b)) {
                Slice last = task.isEmpty() ? null : task.get(task.size() - 1);
                if (last != null && last.run == s.run && last.seed == s.seed && last.to == s.from) {
                    task.set(task.size() - 1, new Slice(s.run, s.seed, last.from, s.to));
                } else {
                    task.add(s);
                }
            }
            out.add(task);
        }
        return out;
    }
}
