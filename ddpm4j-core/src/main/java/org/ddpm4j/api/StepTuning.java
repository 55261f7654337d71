package org.ddpm4j.api;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import org.ddpm4j.checkpoint.TunedSchedules;
import org.ddpm4j.sampler.SamplerConfig;

/**
 * Tunes the K time points of one sampler for one run, scored by the quality meter: the search that "Align Your
 * Steps" (Sabour et al., arXiv 2404.14507) does with a bound on the sampling error, done here with the metric
 * itself. Every candidate is scored by the meter's domain FID of the same images (one seed, common random
 * numbers, so candidates differ only by their time points); that seed is never one {@code ./ddpm eval}
 * scores with by default, so the tuned points are checked on images they were not chosen on. The search
 * starts from the sampler's spacing and power warps of it (more steps at low or at high noise), then moves one
 * time point at a time towards its neighbours, halving the moves, until the time budget is spent. The
 * baseline is always a candidate, so the tuned FID on the tuning images is never worse than the baseline's.
 */
public final class StepTuning {

    /** The seed of the images a tuning scores: far from the small seeds that {@code eval} and users take. */
    public static final long TUNING_SEED = 1_000_003L;

    private StepTuning() {}

    /**
     * What a tuning found.
     *
     * @param entry the schedule as stored in the run ({@link TunedSchedules.Entry})
     * @param seconds the wall time spent
     */
    public record Result(TunedSchedules.Entry entry, double seconds) {}

    /**
     * Searches the {@code steps} time points of {@code settings}' sampler (its guidance and class settings are kept;
     * its spacing and time points are what is tuned) for {@code minutes}, scoring {@code images} images per
     * candidate (for a class-conditional model, {@code images} of every class, as {@code eval} does).
     *
     * @param log progress lines (one per candidate); the meter's own training, the first time, also reports there
     */
    public static Result tune(DiffusionModel model, Generation settings, int steps, int images, double minutes, int meter, PrintStream log) {
        if (model.distilledSteps().isPresent()) {
            throw new InvalidRequestException("run", model.runDirectory() + " is a distilled student: its time points are the ones it"
                    + " was trained at; tune its teacher");
        }
        InvalidRequestException.range("steps", steps, 2, 1000);
        if (!(minutes > 0 && minutes <= 10_000)) {
            throw new InvalidRequestException("minutes", "must be in (0, 10000], got " + minutes);
        }
        long t0 = System.nanoTime();
        double budget = minutes * 60;
        SamplerConfig sc = model.samplerSettings(settings);
        Generation base = settings.toBuilder().defaultTimesteps().defaultSpacing().steps(steps).seed(TUNING_SEED).build();
        int[] baseline = model.timePoints(base.toBuilder().spacing(sc.spacing()).build()).timesteps();
        int T = model.diffusionSteps();
        Search s = new Search(model, base, images, meter, log);
        double fidBaseline = s.score(baseline);
        int[] best = baseline;
        double bestFid = fidBaseline;
        double[] warps = {0.6, 0.8, 1.25, 1.6, 2.0, 3.0};
        for (double rho : warps) {
            if (s.elapsed(t0) + s.fastest > budget) {
                break;
            }
            int[] ts = warp(T, steps, rho);
            if (ts != null && !Arrays.equals(ts, best)) {
                double f = s.score(ts);
                if (f < bestFid) {
                    best = ts;
                    bestFid = f;
                }
            }
        }
        search:
        for (double fraction = 0.5; fraction >= 1.0 / 16; fraction /= 2) {
            boolean moved = true;
            while (moved) {
                moved = false;
                for (int i = 0; i < steps; i++) {
                    for (int dir : new int[] {-1, 1}) {
                        if (s.elapsed(t0) + s.fastest > budget) {
                            break search;
                        }
                        int[] ts = nudge(best, i, dir, fraction, T);
                        if (ts == null) {
                            continue;
                        }
                        double f = s.score(ts);
                        if (f < bestFid) {
                            best = ts;
                            bestFid = f;
                            moved = true;
                        }
                    }
                }
            }
        }
        TunedSchedules.Entry e = new TunedSchedules.Entry(best, sc.spacing().name().toLowerCase(Locale.ROOT), fidBaseline, bestFid,
                TUNING_SEED, images, meter, s.evaluations);
        return new Result(e, s.elapsed(t0));
    }

    /** Tunes as {@link #tune} and stores the result in the run's {@code schedules.json} for its sampler and step count. */
    public static Result tuneAndStore(DiffusionModel model, Generation settings, int steps, int images, double minutes, int meter,
            PrintStream log) {
        Result r = tune(model, settings, steps, images, minutes, meter, log);
        TunedSchedules.store(model.runDirectory(), model.samplerSettings(settings).kind().id(), r.entry());
        return r;
    }

    /** Trailing-like points with u = (K - i) / K raised to {@code rho}: rho > 1 puts more of them at low noise. */
    static int[] warp(int T, int k, double rho) {
        int[] ts = new int[k];
        for (int i = 0; i < k; i++) {
            ts[i] = (int) Math.rint(T * Math.pow((double) (k - i) / k, rho)) - 1;
        }
        return repaired(ts, T);
    }

    /** Moves point {@code i} a {@code fraction} of the way towards its neighbour in direction {@code dir} (-1: lower t). */
    static int[] nudge(int[] ts, int i, int dir, double fraction, int T) {
        int lo = i + 1 < ts.length ? ts[i + 1] : -1; // the next lower point (or below 0)
        int hi = i > 0 ? ts[i - 1] : T; // the next higher point (or above T-1)
        int gap = dir < 0 ? ts[i] - lo : hi - ts[i];
        int move = (int) Math.max(1, Math.rint(gap * fraction));
        int v = ts[i] + dir * move;
        if (v <= lo || v >= hi || v < 0 || v > T - 1) {
            return null;
        }
        int[] out = ts.clone();
        out[i] = v;
        return out;
    }

    /** {@code ts} made strictly decreasing inside 0..T-1 with the fewest changes, or null if K does not fit. */
    static int[] repaired(int[] ts, int T) {
        int k = ts.length;
        if (k > T) {
            return null;
        }
        int[] out = ts.clone();
        for (int i = k - 1; i >= 0; i--) { // from the lowest point up: each at least one above the next
            int floor = i == k - 1 ? 0 : out[i + 1] + 1;
            out[i] = Math.max(out[i], floor);
        }
        for (int i = 0; i < k; i++) { // and from the top down: each at most T-1, below the previous
            int ceil = i == 0 ? T - 1 : out[i - 1] - 1;
            out[i] = Math.min(out[i], ceil);
        }
        for (int i = 0; i < k; i++) {
            if (out[i] < 0 || (i > 0 && out[i] >= out[i - 1])) {
                return null;
            }
        }
        return out;
    }

    /** Scores candidates with the meter, remembering every score so that no candidate is generated twice. */
    private static final class Search {
        final DiffusionModel model;
        final Generation base;
        final int images;
        final int meter;
        final PrintStream log;
        final java.util.Map<String, Double> seen = new java.util.HashMap<>();
        final PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        int evaluations;
        double fastest = Double.POSITIVE_INFINITY; // the quickest candidate so far: the first also trains the meter
        double best = Double.POSITIVE_INFINITY;

        Search(DiffusionModel model, Generation base, int images, int meter, PrintStream log) {
            this.model = model;
            this.base = base;
            this.images = images;
            this.meter = meter;
            this.log = log;
        }

        double elapsed(long t0) {
            return (System.nanoTime() - t0) / 1e9;
        }

        double score(int[] ts) {
            String key = Arrays.toString(ts);
            Double known = seen.get(key);
            if (known != null) {
                return known;
            }
            long t = System.nanoTime();
            Evaluation e = Evaluation.builder().count(images).settings(base.toBuilder().timesteps(ts).build()).meter(meter).build();
            // the first evaluation may train the meter's classifier; its progress goes to the log
            double fid = model.evaluate(e, evaluations == 0 ? log : quiet).fid();
            double seconds = (System.nanoTime() - t) / 1e9;
            fastest = Math.min(fastest, seconds);
            evaluations++;
            seen.put(key, fid);
            best = Math.min(best, fid);
            log.printf(Locale.ROOT, "tune-steps: candidate %d, FID %.3f (best %.3f) in %.1f s: %s%n", evaluations, fid, best, seconds, key);
            return fid;
        }
    }
}
