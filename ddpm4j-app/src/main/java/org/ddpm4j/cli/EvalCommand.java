package org.ddpm4j.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.data.Datasets;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.eval.Evaluator;
import org.ddpm4j.eval.Meter;
import org.ddpm4j.eval.TrainedClassifier;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.sampler.SamplerConfig;
import org.ddpm4j.util.Json;
import org.ddpm4j.util.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ./ddpm eval}: the quality meter. Generates N images from a run and reports the domain FID
 * (Fréchet distance of classifier features against the real images of the run's class), the classifier's
 * accuracy on them, and sampling images/s, as one JSON line plus a table.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Generate N images from a run and report domain FID, class accuracy and sampling speed.")
final class EvalCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--run", required = true, description = "Run directory written by ./ddpm train.")
    Path run;

    @Option(names = "--n", defaultValue = "500", description = "Images to generate. Default: ${DEFAULT-VALUE}.")
    int n;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--batch", defaultValue = "250", description = "Images generated at once. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Mixin
    SamplerOptions samplerOptions = new SamplerOptions();

    @Option(names = "--real", description = "Score --n random real images of the run's data instead of generated ones "
            + "(the floor that FID can reach at this --n).")
    boolean real;

    @Option(names = "--class", description = "Conditional runs: a class (an index, or name:FOLDER; a non-numeric folder name also works), or 'all' (default) for --n images of every class.")
    String classOption;

    @picocli.CommandLine.Mixin
    GuidanceOptions guidance = new GuidanceOptions();

    @Option(names = "--meter", defaultValue = "3", description = "Meter version: 3 (default), or 2 for numbers measured "
            + "before 2026-11-28 (a weaker classifier; scores of different meters are not comparable).")
    int meterVersion;

    @Override
    public Integer call() {
        if (n < 10 || n > 100_000) {
            throw new DdpmException("--n must be in 10..100000, got " + n);
        }
        if (batch < 1 || batch > 4096) {
            throw new DdpmException("--batch must be in 1..4096, got " + batch);
        }
        Meter meter = Meter.of(meterVersion);
        Run r = Run.open(run);
        JsonObject train = r.trainSection();
        Integer digit = train.has("digit") && !train.get("digit").isJsonNull() ? train.get("digit").getAsInt() : null;
        ImageSet all = r.loadData(main.err);
        ImageSet real = digit == null ? all : all.filterLabel(digit);
        SamplerConfig sc = samplerOptions.config(r.model());
        int steps = samplerOptions.steps(r.model(), r.diffusion());
        if (r.model().conditional()) {
            return evalConditional(r, all, sc, steps, meter);
        }
        // --class and --guidance need a conditional run (or, --guidance, a --guide-run)
        Conditioning cond = Conditioning.resolve(r.model(), r.classNames(), classOption, guidance, n);
        try (TrainedClassifier clf = TrainedClassifier.forData(all, meter, main.err);
                NDManager manager = NDManager.newBaseManager();
                Denoiser net = r.loadModel(manager, samplerOptions.ema);
                Denoiser guide = guidance.loadGuide(r, manager, samplerOptions.ema)) {
            long t0 = System.nanoTime();
            float[] imgs = this.real ? randomReal(real, n, seed)
                    : SampleCommand.generate(net, sc.build(r.diffusion().build()), n, steps, batch, new Rng(seed), main.err,
                            null, null, cond.guidance(), guide);
            double secs = (System.nanoTime() - t0) / 1e9;
            Evaluator.Scores s = Evaluator.score(clf, imgs, n, real, digit == null ? -1 : digit);
            JsonObject j = header(r, sc, steps, n, s.fid(), clf);
            if (guide != null && !this.real) {
                addGuidance(j, cond.guidance());
            }
            if (!Double.isNaN(s.accuracy())) {
                j.addProperty("accuracy", round(s.accuracy(), 4));
            }
            j.addProperty("images_per_s", round(n / secs, 2));
            j.addProperty("seed", seed);
            main.out.println(Json.GSON.toJson(j));
            main.out.printf(Locale.ROOT, "%n  run             %s%n  sampler         %s, %d network calls per image%s%n"
                            + "  images          %d (seed %d)%n  domain FID      %.3f   (0 = the real %s; lower is better)%n"
                            + "  class accuracy  %s%n  sampling        %.2f images/s%n%s",
                    run, sc.name(), steps, guide == null ? "" : String.format(Locale.ROOT, ", autoguidance %.2f from %s", cond.guidance().scale(),
                            guidance.guideRun), n, seed, s.fid(), real.description(),
                    Double.isNaN(s.accuracy()) ? "n/a (the run has no single class)" : String.format(Locale.ROOT, "%.2f%% drawn as %d", 100 * s.accuracy(), digit),
                    n / secs, meterLine(clf));
        }
        return 0;
    }

    /** n real images drawn without replacement (with replacement if the set is smaller). */
    private static float[] randomReal(ImageSet set, int n, long seed) {
        Rng rng = new Rng(seed);
        int[] perm = rng.permutation(set.size());
        float[] out = new float[n * set.imageSize()];
        for (int i = 0; i < n; i++) {
            set.copyImage(i < perm.length ? perm[i] : rng.nextInt(set.size()), out, i * set.imageSize());
        }
        return out;
    }

    /** Real images of the given classes (0..k-1), one per entry of {@code classes}: each class's drawn without replacement. */
    private static float[] realOfClasses(ImageSet all, int[] classes, int k, long seed) {
        int per = all.imageSize();
        int[] count = new int[k];
        for (int c : classes) {
            count[c]++;
        }
        float[][] byClass = new float[k][];
        for (int c = 0; c < k; c++) {
            byClass[c] = count[c] == 0 ? null : randomReal(all.filterLabel(c), count[c], seed + c);
        }
        int[] used = new int[k];
        float[] out = new float[classes.length * per];
        for (int i = 0; i < classes.length; i++) {
            System.arraycopy(byClass[classes[i]], used[classes[i]]++ * per, out, i * per, per);
        }
        return out;
    }

    /** Conditional runs: n images per class (or of one class), per-class accuracy, FID against the real set. */
    private int evalConditional(Run r, ImageSet all, SamplerConfig sc, int steps, Meter meter) {
        Conditioning cond = Conditioning.resolve(r.model(), r.classNames(), classOption == null ? "all" : classOption, guidance, n);
        int[] classes = cond.classes();
        int total = classes.length;
        try (TrainedClassifier clf = TrainedClassifier.forData(all, meter, main.err);
                NDManager manager = NDManager.newBaseManager();
                Denoiser net = r.loadModel(manager, samplerOptions.ema);
                Denoiser guide = guidance.loadGuide(r, manager, samplerOptions.ema)) {
            long t0 = System.nanoTime();
            float[] imgs = this.real ? realOfClasses(all, classes, r.model().classes(), seed)
                    : SampleCommand.generate(net, sc.build(r.diffusion().build()), total, steps, batch, new Rng(seed), main.err,
                            null, classes, cond.guidance(), guide);
            double secs = (System.nanoTime() - t0) / 1e9;
            int[] pred = clf.predict(imgs, total, all.channels(), all.height());
            int k = r.model().classes();
            int[] ok = new int[k];
            int[] cnt = new int[k];
            for (int i = 0; i < total; i++) {
                cnt[classes[i]]++;
                ok[classes[i]] += pred[i] == classes[i] ? 1 : 0;
            }
            ImageSet real = cond.all() ? all : all.filterLabel(classes[0]);
            double fid = Evaluator.score(clf, imgs, total, real, -1).fid();
            JsonObject j = header(r, sc, steps, total, fid, clf);
            if (!this.real) {
                addGuidance(j, cond.guidance());
            }
            com.google.gson.JsonArray per = new com.google.gson.JsonArray();
            double accSum = 0;
            int used = 0;
            StringBuilder table = new StringBuilder();
            for (int c = 0; c < k; c++) {
                if (cnt[c] == 0) {
                    continue;
                }
                double a = (double) ok[c] / cnt[c];
                per.add(round(a, 4));
                accSum += a;
                used++;
                table.append(String.format(Locale.ROOT, "  class %-3d accuracy %6.2f%%%n", c, 100 * a));
            }
            j.addProperty("accuracy", round(accSum / used, 4));
            j.add("class_accuracy", per);
            j.addProperty("images_per_s", round(total / secs, 2));
            j.addProperty("seed", seed);
            main.out.println(Json.GSON.toJson(j));
            String how = this.real ? "none: real images of the run's data" : String.format(Locale.ROOT,
                    "%s, %d network calls per image, guidance %.2f, rescale %.2f, interval %s:%s, parallel %.2f%s", sc.name(), steps,
                    cond.guidance().scale(), cond.guidance().rescale(), cond.guidance().from(), cond.guidance().to(), cond.guidance().parallel(),
                    guidance.guideRun == null ? "" : ", guide run " + guidance.guideRun
                            + (cond.guidance().cfg() > 0 ? String.format(Locale.ROOT, " plus classifier-free %.2f", cond.guidance().cfg()) : ""));
            main.out.printf(Locale.ROOT, "%n  run             %s%n  sampler         %s%n"
                            + "  images          %d (seed %d)%n  domain FID      %.3f   (against %s)%n  mean accuracy   %.2f%%%n%s"
                            + "  sampling        %.2f images/s%n%s",
                    run, how, total, seed, fid, real.description(), 100 * accSum / used, table, total / secs, meterLine(clf));
        }
        return 0;
    }

    /** The guidance fields of an eval line; {@code guide_run} names the autoguidance network, if any. */
    private void addGuidance(JsonObject j, org.ddpm4j.pipeline.Guidance g) {
        j.addProperty("guidance", g.scale());
        j.addProperty("guidance_rescale", g.rescale());
        com.google.gson.JsonArray interval = new com.google.gson.JsonArray();
        interval.add(g.from());
        interval.add(g.to());
        j.add("guidance_interval", interval);
        if (g.parallel() != org.ddpm4j.pipeline.Guidance.DEFAULT_PARALLEL) {
            j.addProperty("guidance_parallel", g.parallel());
        }
        if (g.cfg() > 0) {
            j.addProperty("cfg", g.cfg());
        }
        if (guidance.guideRun != null) {
            j.addProperty("guide_run", guidance.guideRun.toString());
        }
    }

    /**
     * The fields every eval line starts with; a {@code --real} line has no sampler, steps or weights. The meter's
     * version and its classifier's accuracy on real images it never trained on close the header.
     */
    private JsonObject header(Run r, SamplerConfig sc, int steps, int count, double fid, TrainedClassifier clf) {
        JsonObject j = new JsonObject();
        j.addProperty("run", run.toString());
        j.addProperty("model", real ? "real images" : r.model().type());
        j.addProperty("sampler", real ? "none" : sc.name());
        j.addProperty("steps", real ? 0 : steps);
        if (!real && sc.name().equals("ddim")) {
            j.addProperty("eta", sc.eta());
        }
        if (!real) {
            j.addProperty("weights", r.usesEma(samplerOptions.ema) ? "ema" : "raw");
        }
        j.addProperty("n", count);
        j.addProperty("fid", round(fid, 3));
        j.addProperty("meter", clf.meter().version());
        j.addProperty("meter_held_out_accuracy", round(clf.heldOutAccuracy(), 4));
        return j;
    }

    private static String meterLine(TrainedClassifier clf) {
        return String.format(Locale.ROOT, "  meter           %d (its classifier reads %.2f%% of held-out real images correctly)%n",
                clf.meter().version(), 100 * clf.heldOutAccuracy());
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
