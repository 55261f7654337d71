package org.ddpm4j.api;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.ddpm4j.checkpoint.ChosenWeights;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.eval.Meter;
import org.ddpm4j.eval.TrainedClassifier;

/**
 * Chooses the weights a run samples with: every set of weights the run keeps (the fixed-decay EMA, EDM2's
 * power-function EMAs, the raw trained weights) is scored by the quality meter's domain FID on the same images
 * of a held-out seed ({@link StepTuning#TUNING_SEED}, which {@code ./ddpm eval} does not use by default), drawn
 * with the run's default sampler, and the lowest is stored in {@code RUN/weights.json}. {@link
 * DiffusionModel.Weights#BEST}, the default of {@link DiffusionModel#open(Path)}, then loads them. Which average
 * is best depends on how long the run trained (at 1,400 steps of the 30-minute digit recipe the raw weights
 * beat the 0.999 EMA by 12%), so it is measured per run rather than fixed. {@code ./ddpm train} makes the choice
 * at the end of training, inside a {@code --minutes} budget, when the meter's classifier is already cached.
 */
public final class WeightChoice {

    /** The meter version a choice at the end of training scores with (the current one). */
    public static final int METER = Meter.V3.version();

    /** Images scored per candidate (of every class together, for a class-conditional run) unless told otherwise. */
    public static final int DEFAULT_IMAGES = 200;

    /**
     * A network call of the default U-Net on one image without gradients, as a share of one image's part of a
     * training step (forward and backward): 0.39 at the end of a 30-minute digit run, where the choice among four
     * weight sets took 135 s against 119 s expected at 0.35 ({@code docs/results/training-speed.md}).
     */
    static final double FORWARD_SHARE = 0.40;
    /** Seconds per candidate beside its network calls: loading the run, the data and the meter, the real features. */
    static final double OVERHEAD_SECONDS = 4.0;

    private WeightChoice() {}

    /** The weights the run in {@code runDir} keeps, in the order they are scored: EMA, power-function EMAs, raw. */
    public static List<DiffusionModel.Weights> candidates(Path runDir) {
        return candidates(Run.open(runDir));
    }

    static List<DiffusionModel.Weights> candidates(Run run) {
        List<DiffusionModel.Weights> c = new ArrayList<>();
        if (run.hasTensors(Run.EMA)) {
            c.add(DiffusionModel.Weights.EMA);
        }
        for (double s : run.powerEmaStds()) {
            c.add(DiffusionModel.Weights.powerEma(s));
        }
        c.add(DiffusionModel.Weights.RAW);
        return c;
    }

    /** The number of weight sets a run trained with these optimiser settings keeps. */
    static int candidates(org.ddpm4j.config.TrainConfig.Optimiser o) {
        return 1 + (o.emaDecay() > 0 ? 1 : 0) + o.emaStds().size();
    }

    /** True if the meter's classifier for {@code data} (a run's whole data set) is cached, so a choice costs only its scoring. */
    static boolean meterReady(org.ddpm4j.data.ImageSet data, int meter) {
        return TrainedClassifier.isCached(data, Meter.of(meter));
    }

    /**
     * The seconds a choice among {@code candidates} weight sets is expected to take, given the training's seconds per
     * step at {@code batch}: a share of a training step per image and network call, plus a fixed cost per candidate.
     */
    static double expectedSeconds(int candidates, int images, int calls, double secondsPerStep, int batch) {
        return candidates * (images * (double) calls * secondsPerStep / batch * FORWARD_SHARE + OVERHEAD_SECONDS);
    }

    /** The stored choice of {@code run}, if it was made at the checkpoint's step (a run trained further has none). */
    static Optional<ChosenWeights> current(Run run) {
        Optional<ChosenWeights> c = ChosenWeights.read(run.dir());
        com.google.gson.JsonElement step = run.stateSection().get("step");
        long at = step == null ? -1 : step.getAsLong();
        return c.filter(w -> w.step() == at);
    }

    /**
     * Where in the checkpoint the weights {@link DiffusionModel.Weights#BEST} stands for are stored: the current choice's,
     * else the EMA's (the raw weights' if the run keeps no EMA).
     */
    static String bestPrefix(Run run) {
        Optional<ChosenWeights> c = current(run);
        if (c.isPresent()) {
            DiffusionModel.Weights w = DiffusionModel.Weights.parse(c.get().weights());
            if (!Double.isNaN(w.sigmaRel()) && run.hasTensors(Run.powerEma(w.sigmaRel()))) {
                return Run.powerEma(w.sigmaRel());
            }
            if (w == DiffusionModel.Weights.RAW) {
                return Run.WEIGHTS;
            }
        }
        return run.usesEma(true) ? Run.EMA : Run.WEIGHTS;
    }

    /** One line of every candidate's FID, the chosen first: {@code ema:0.100 FID 3.41 (ema 3.90, raw 3.62)}. */
    public static String describe(ChosenWeights c) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s FID %.2f", c.weights(), c.fid().get(c.weights())));
        String sep = " (";
        for (Map.Entry<String, Double> e : c.fid().entrySet()) {
            if (!e.getKey().equals(c.weights())) {
                b.append(sep).append(String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()));
                sep = ", ";
            }
        }
        return b.append(sep.equals(", ") ? ")" : "").append(String.format(Locale.ROOT, " on %d images of seed %d, meter %d",
                c.images(), c.seed(), c.meter())).toString();
    }

    /**
     * Scores every weight set the run keeps and stores the best in {@code RUN/weights.json}.
     *
     * @param images images per candidate (a class-conditional run draws {@code images / classes} of every class, at
     *     least 10)
     * @param meter the meter version
     * @param log one line per candidate (and the meter's own training, the first time)
     * @return the stored choice
     */
    public static ChosenWeights choose(Path runDir, int images, int meter, PrintStream log) {
        InvalidRequestException.range("images", images, 10, Generation.MAX_COUNT);
        Meter.of(meter);
        long t0 = System.nanoTime();
        Run run = Run.open(runDir);
        List<DiffusionModel.Weights> cands = candidates(run);
        long step = run.stateSection().has("step") ? run.stateSection().get("step").getAsLong() : 0;
        int count = run.model().conditional() ? Math.max(10, images / run.model().classes()) : images;
        if (cands.size() < 2) {
            throw new InvalidRequestException("weights", runDir + " keeps only its raw weights (trained with --ema 0 and no --ema-std): there is nothing to choose");
        }
        Generation.Builder b = Generation.builder().batch(Evaluation.BATCH).seed(StepTuning.TUNING_SEED);
        if (run.model().conditional()) {
            b.everyClass();
        }
        Generation settings = b.build();
        Map<String, Double> fid = new LinkedHashMap<>();
        String best = null;
        String sampler = "";
        int steps = 0;
        for (DiffusionModel.Weights w : cands) {
            try (DiffusionModel m = DiffusionModel.open(runDir, w)) {
                Evaluation.Result r = m.evaluate(Evaluation.builder().count(count).settings(settings).meter(meter).build(), log);
                fid.put(w.toString(), r.fid());
                sampler = m.samplerSettings(settings).kind().id();
                steps = m.steps(settings);
                log.printf(Locale.ROOT, "weights %-9s FID %.2f on %d images of seed %d%n", w, r.fid(), r.images(), StepTuning.TUNING_SEED);
                if (best == null || r.fid() < fid.get(best)) {
                    best = w.toString();
                }
            }
        }
        ChosenWeights c = new ChosenWeights(best, step, fid, StepTuning.TUNING_SEED, count * (run.model().conditional() ? run.model().classes() : 1),
                meter, sampler, steps, (System.nanoTime() - t0) / 1e9);
        c.write(runDir);
        return c;
    }
}
