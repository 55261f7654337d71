package org.ddpm4j.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.checkpoint.RunLock;
import org.ddpm4j.data.Datasets;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.image.Images;
import org.ddpm4j.image.Plots;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.model.UNetConfig;
import org.ddpm4j.pipeline.DiffusionPipeline;
import org.ddpm4j.pipeline.StepListener;
import org.ddpm4j.sampler.SamplerConfig;
import org.ddpm4j.train.DiffusionTrainer;
import org.ddpm4j.train.TrainConfig;
import org.ddpm4j.train.TrainListener;
import org.ddpm4j.train.TrainerCheckpoint;
import org.ddpm4j.util.AtomicFiles;
import org.ddpm4j.util.Json;
import org.ddpm4j.util.Memory;
import org.ddpm4j.util.ProgressBar;
import org.ddpm4j.util.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import org.ddpm4j.util.Tensors;

/** {@code ./ddpm train}: trains a denoiser and writes a run directory. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a diffusion model and write a run directory (checkpoint, config, training log, "
                + "loss curve, sample grids). Defaults depend on --model: 'seed' is the seed's exact recipe.")
final class TrainCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--out", required = true, description = "Run directory to write.")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out exactly where its last checkpoint left it.")
    boolean resume;

    @Option(names = "--data", defaultValue = "mnist", description = "Dataset: mnist (embedded), idx:DIR (MNIST-format files) or "
            + "folder:DIR (PNG/JPEG/GIF/BMP pictures; subfolders are classes). Default: ${DEFAULT-VALUE}.")
    String data;

    @Option(names = "--size", description = "folder: data: side of the square training images (short-side resize, centre crop; default 32).")
    Integer size;

    @Option(names = "--channels", description = "folder: data: 1 (gray) or 3 (RGB); default: inferred from the pictures.")
    Integer channels;

    @Option(names = "--flip", negatable = true, description = "Random horizontal flips of training images (default: on for folder: data, off otherwise).")
    Boolean flip;

    @Option(names = "--digit", description = "Train on this class only (default: all classes).")
    Integer digit;

    @Option(names = "--conditional", description = "Train a class-conditional U-Net on all classes (for --class and --guidance at sampling).")
    boolean conditional;

    @Option(names = "--p-uncond", defaultValue = "0.1", description = "With --conditional: probability of dropping the label. Default: ${DEFAULT-VALUE}.")
    double pUncond;

    @Option(names = "--model", defaultValue = "unet", description = "Network: unet or seed. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--epochs", description = "Budget: passes over the data (seed default: 20).")
    Integer epochs;

    @Option(names = "--steps", description = "Budget: optimizer steps.")
    Long steps;

    @Option(names = "--minutes", description = "Budget: minutes of training (unet default: 30).")
    Double minutes;

    @Option(names = "--batch", description = "Batch size (default: 64).")
    Integer batch;

    @Option(names = "--lr", description = "Peak learning rate (seed: 1e-4; unet: 1e-3).")
    Double lr;

    @Option(names = "--warmup", description = "Learning-rate warm-up steps (seed: 0; unet: 200).")
    Integer warmup;

    @Option(names = "--cosine", negatable = true, description = "Cosine learning-rate decay after warm-up (seed: off; unet: on).")
    Boolean cosine;

    @Option(names = "--weight-decay", description = "AdamW decoupled weight decay (default: 0).")
    Double weightDecay;

    @Option(names = "--clip", description = "Global gradient-norm clipping, 0 = off (seed: 0; unet: 1).")
    Double clip;

    @Option(names = "--ema", description = "EMA decay of the weights, 0 = off (seed: 0; unet: 0.999).")
    Double ema;

    @Option(names = "--schedule", description = "Noise schedule: linear, cosine or sigmoid (seed: linear; unet: cosine).")
    String schedule;

    @Option(names = "--prediction", description = "Network target: eps, x0 or v (seed: eps; unet: v).")
    String prediction;

    @Option(names = "--min-snr", description = "min-SNR-gamma loss weighting, 0 = off (seed: 0; unet: 5; conditional unet: 0).")
    Double minSnr;

    @Option(names = "--base", description = "U-Net base channels (default: 32).")
    Integer base;

    @Option(names = "--mults", split = ",", description = "U-Net channel multipliers per level (default: 1,2,2).")
    int[] mults;

    @Option(names = "--blocks", description = "U-Net residual blocks per level (default: 2).")
    Integer blocks;

    @Option(names = "--attention", split = ",", description = "U-Net levels with self-attention (default: the lowest).")
    int[] attention;

    @Option(names = "--dropout", description = "U-Net dropout (default: 0).")
    Float dropout;

    @Option(names = "--scale-shift", description = "U-Net residual blocks scale and shift their GroupNorm by the time"
            + " (and class) embedding, GN(h) * (1 + s) + b, instead of adding it (default: off).")
    boolean scaleShift;

    @Option(names = "--skip-nonfinite", description = "Skip batches whose loss is NaN or infinite instead of stopping.")
    boolean skipNonFinite;

    @Option(names = "--sample-every", description = "Write a 4x4 sample grid every N steps (default: unet 1000, seed off).")
    Integer sampleEvery;

    @Option(names = "--checkpoint-every", description = "Write the checkpoint every N steps (default: 500; 0 = only at the end).")
    Integer checkpointEvery;

    @Option(names = "--guide-at", paramLabel = "STEP", description = "Also keep the weights of step STEP in RUN/" + GUIDE
            + ", a run of its own: the run's earlier, weaker self, ready for autoguidance (--guide-run RUN/" + GUIDE
            + ") without a second training. Default: off.")
    Long guideAt;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--force", description = "Overwrite a run directory that already holds a checkpoint.")
    boolean force;

    @Option(names = "--stop-after", hidden = true, description = "Testing aid: stop after this step as if killed (no final save).")
    Long stopAfter;

    /** Thrown by --stop-after to end training abruptly, like a crash, after the step's hook ran. */
    static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super("stopped by --stop-after", null, false, false);
        }
    }

    /** Everything a training needs, resolved from flags or from a checkpoint being resumed. */
    record Plan(ModelConfig model, DiffusionConfig diffusion, TrainConfig train, int sampleEvery, int checkpointEvery, long guideAt) {}

    /** The sub-directory of a run where {@code --guide-at} keeps the run's early weights. */
    static final String GUIDE = "guide";

    @Override
    public Integer call() {
        Plan plan;
        if (resume) {
            Run run = Run.open(out);
            TrainConfig tc = Json.decode(run.trainSection(), TrainConfig.class, out + ": training config");
            JsonObject cli = run.checkpoint().meta().getAsJsonObject("cli");
            int se = cli != null && cli.has("sample_every") ? cli.get("sample_every").getAsInt() : 0;
            int ce = cli != null && cli.has("checkpoint_every") ? cli.get("checkpoint_every").getAsInt() : 500;
            long ga = cli != null && cli.has("guide_at") ? cli.get("guide_at").getAsLong() : 0;
            plan = new Plan(run.model(), run.diffusion(), tc, se, ce, ga);
        } else {
            if (Run.exists(out) && !force) {
                throw new DdpmException(out + " already holds a trained run; choose another --out, pass --resume to continue it, or --force to overwrite it");
            }
            plan = plan();
        }
        try {
            train(plan, out, resume, main.out, main.err, stopAfter == null ? Long.MAX_VALUE : stopAfter);
        } catch (Stopped e) {
            main.out.println("stopped after step " + stopAfter + " (--stop-after)");
            return 0;
        }
        main.out.println("run written to " + out);
        return 0;
    }

    /**
     * min-SNR-5 for unconditional U-Nets; off for the seed's recipe and for conditional runs. min-SNR-gamma
     * weights the x0 error of high-noise steps by snr (near 0), and those are the steps that decide the class:
     * at 800 steps a conditional run drew the asked-for digit 23% of the time with it and 68% without
     * (bench/minsnr_ab.sh, README "Control").
     */
    static double defaultMinSnr(boolean seedModel, boolean conditional) {
        return seedModel || conditional ? 0.0 : 5.0;
    }

    private Plan plan() {
        boolean seedModel;
        if (ModelConfig.SEED.equals(model)) {
            seedModel = true;
        } else if (ModelConfig.UNET.equals(model)) {
            seedModel = false;
        } else {
            throw new DdpmException("unknown --model '" + model + "' (expected unet or seed)");
        }
        int budgets = (epochs != null ? 1 : 0) + (steps != null ? 1 : 0) + (minutes != null ? 1 : 0);
        if (budgets > 1) {
            throw new DdpmException("give only one budget: --epochs, --steps or --minutes");
        }
        int ep = epochs != null ? epochs : 0;
        long st = steps != null ? steps : 0;
        double mi = minutes != null ? minutes : 0;
        if (budgets == 0) {
            if (seedModel) {
                ep = 20;
            } else {
                mi = 30;
            }
        }
        if (epochs != null && epochs < 1) {
            throw new DdpmException("--epochs must be in 1..1000000, got " + epochs);
        }
        if (steps != null && steps < 1) {
            throw new DdpmException("--steps must be >= 1, got " + steps);
        }
        if (minutes != null && !(minutes > 0)) {
            throw new DdpmException("--minutes must be > 0, got " + minutes);
        }
        TrainConfig tc = new TrainConfig(data, digit, ep, st, mi, or(batch, 64),
                or(lr, seedModel ? 1e-4 : 1e-3), or(warmup, seedModel ? 0 : 200), or(cosine, !seedModel),
                or(weightDecay, 0.0), or(clip, seedModel ? 0.0 : 1.0), or(ema, seedModel ? 0.0 : 0.999),
                or(minSnr, defaultMinSnr(seedModel, conditional)), skipNonFinite, seed, conditional, conditional ? pUncond : 0,
                or(size, 0), or(channels, 0), or(flip, data.startsWith("folder:")));
        if (conditional && seedModel) {
            throw new DdpmException("the seed network cannot be class-conditional; use --model unet");
        }
        if (conditional && digit != null) {
            throw new DdpmException("--conditional trains on all classes; drop --digit");
        }
        DiffusionConfig dc = new DiffusionConfig(or(schedule, seedModel ? "linear" : "cosine"), 1000, 1e-4, 0.02,
                or(prediction, seedModel ? "eps" : "v"));
        UNetConfig def = UNetConfig.defaults();
        UNetConfig uc = seedModel ? null : new UNetConfig(or(base, def.baseChannels()), mults != null ? mults : def.channelMults(),
                or(blocks, def.blocksPerLevel()), attention != null ? attention : new int[] {(mults != null ? mults.length : def.channelMults().length) - 1},
                def.heads(), def.groups(), or(dropout, def.dropout()), scaleShift);
        if (seedModel && scaleShift) {
            throw new DdpmException("--scale-shift is a U-Net setting; the seed network has no residual blocks");
        }
        // image shape comes from the data; 1 x 28 x 28 is a placeholder until it is loaded
        ModelConfig mc = new ModelConfig(seedModel ? ModelConfig.SEED : ModelConfig.UNET, 1, 28, uc);
        int se = or(sampleEvery, seedModel ? 0 : 1000);
        int ce = or(checkpointEvery, 500);
        if (se < 0 || ce < 0) {
            throw new DdpmException("--sample-every and --checkpoint-every must be >= 0");
        }
        if (guideAt != null && guideAt < 1) {
            throw new DdpmException("--guide-at must be >= 1, got " + guideAt);
        }
        if (guideAt != null && steps != null && guideAt >= steps) {
            throw new DdpmException("--guide-at must come before the last of the " + steps + " --steps, got " + guideAt);
        }
        return new Plan(mc, dc, tc, se, ce, or(guideAt, 0L));
    }

    private static <T> T or(T v, T d) {
        return v != null ? v : d;
    }

    /** Loads the data, trains (or resumes), and writes the run directory; shared with {@code demo}. */
    static void train(Plan plan, Path out, boolean resume, PrintStream stdout, PrintStream err) {
        train(plan, out, resume, stdout, err, Long.MAX_VALUE);
    }

    static void train(Plan plan, Path out, boolean resume, PrintStream stdout, PrintStream err, long stopAfter) {
        TrainConfig tc = plan.train();
        ImageSet all = Datasets.load(tc.data(), tc.size(), tc.channels(), err);
        ImageSet data = tc.digit() == null ? all : all.filterLabel(tc.digit());
        if (data.height() != data.width()) {
            throw new DdpmException("images must be square, got " + data.height() + "x" + data.width());
        }
        int classes = 0;
        if (tc.conditional()) {
            if (!data.hasLabels()) {
                throw new DdpmException("--conditional needs labels, and " + data.description() + " has none");
            }
            for (int i = 0; i < data.size(); i++) {
                classes = Math.max(classes, data.label(i) + 1);
            }
        }
        ModelConfig mc = new ModelConfig(plan.model().type(), data.channels(), data.height(), plan.model().unet(), classes);
        if (resume && !mc.equals(plan.model())) {
            throw new DdpmException(out + " was trained on " + plan.model().channels() + "x" + plan.model().size()
                    + " images, but " + tc.data() + " now holds " + data.channels() + "x" + data.height());
        }
        try (RunLock lock = RunLock.acquire(out)) {
            trainLocked(plan, out, resume, stdout, err, stopAfter, tc, data, mc);
        }
    }

    private static void trainLocked(Plan plan, Path out, boolean resume, PrintStream stdout, PrintStream err, long stopAfter,
            TrainConfig tc, ImageSet data, ModelConfig mc) {
        Rng rng = new Rng(tc.seed());
        JsonObject cli = new JsonObject();
        cli.addProperty("sample_every", plan.sampleEvery());
        cli.addProperty("checkpoint_every", plan.checkpointEvery());
        if (plan.guideAt() > 0) {
            cli.addProperty("guide_at", plan.guideAt());
        }
        JsonObject extra = new JsonObject();
        extra.add("cli", cli);
        if (tc.conditional() && !data.classNames().isEmpty()) {
            com.google.gson.JsonArray names = new com.google.gson.JsonArray();
            data.classNames().forEach(names::add);
            extra.add(Run.CLASS_NAMES, names);
        }
        try (NDManager manager = NDManager.newBaseManager(); Denoiser net = Denoiser.create(mc, manager, rng)) {
            DiffusionTrainer trainer = new DiffusionTrainer(net, plan.diffusion().build(), tc, rng, data);
            if (resume) {
                TrainerCheckpoint.restore(Run.open(out), trainer);
                truncateLog(out.resolve(Run.LOG), trainer.stepCount());
                stdout.printf(Locale.ROOT, "resuming %s at step %d of %d%n", out, trainer.stepCount(), trainer.totalSteps());
            } else {
                AtomicFiles.writeString(out.resolve(Run.LOG), "");
                dropGuide(out); // a guide kept by the run this one overwrites is not this run's early self
            }
            String budget = tc.epochs() > 0 ? tc.epochs() + " epochs" : tc.steps() > 0 ? tc.steps() + " steps" : tc.minutes() + " minutes";
            stdout.printf(Locale.ROOT, "training %s (%,d parameters) on %,d images of %s, %s of batch %d%n",
                    mc.unet() != null ? mc.unet() : mc.type(), net.parameterCount(), data.size(), data.description(), budget, tc.batchSize());
            if (trainer.totalSteps() > 0 && trainer.stepCount() >= trainer.totalSteps()) {
                stdout.println("nothing to do: the run already finished its budget");
                return;
            }
            try (BufferedWriter log = Files.newBufferedWriter(out.resolve(Run.LOG), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                ProgressBar bar = new ProgressBar(err, "train", "step");
                trainer.run(new TrainListener() {
                    @Override
                    public void onStep(long step, long total, int epoch, double loss, double ips) {
                        try {
                            // resident memory every 100 steps: a flat line proves no native-memory growth
                            String rss = step % 100 == 0 ? String.format(Locale.ROOT, ",\"rss_mib\":%.1f", Memory.rssMiB()) : "";
                            log.write(String.format(Locale.ROOT, "{\"step\":%d,\"epoch\":%d,\"loss\":%.6f,\"images_per_s\":%.1f%s}%n",
                                    step, epoch, loss, ips, rss));
                        } catch (IOException e) {
                            throw new DdpmException("cannot write the training log in " + out + ": " + AtomicFiles.describe(e));
                        }
                        bar.update(step, total, String.format(Locale.ROOT, "epoch %d | loss %.4f | %.0f img/s", epoch, loss, ips));
                    }
                }, t -> {
                    long s = t.stepCount();
                    boolean last = t.totalSteps() > 0 && s >= t.totalSteps();
                    if (plan.sampleEvery() > 0 && (s % plan.sampleEvery() == 0 || last)) {
                        writePreview(t, plan.diffusion(), mc, out.resolve("samples").resolve(String.format(Locale.ROOT, "step%07d.png", s)));
                    }
                    if (last || (plan.checkpointEvery() > 0 && s % plan.checkpointEvery() == 0)) {
                        flushLog(log, out);
                        TrainerCheckpoint.save(out, t, mc, plan.diffusion(), tc, extra);
                    }
                    if (s == plan.guideAt()) {
                        // the run's early self, for autoguidance: a complete run directory of its own
                        TrainerCheckpoint.save(out.resolve(GUIDE), t, mc, plan.diffusion(), tc, extra);
                    }
                    if (s >= stopAfter) {
                        try {
                            log.flush();
                        } catch (IOException e) {
                            // a crash does not flush either
                        }
                        throw new Stopped();
                    }
                });
            } catch (IOException e) {
                throw new DdpmException("cannot write " + out.resolve(Run.LOG) + ": " + AtomicFiles.describe(e));
            }
            if (trainer.skippedBatches() > 0) {
                err.println("warning: skipped " + trainer.skippedBatches() + " batches with a non-finite loss");
            }
            if (trainer.skippedGradients() > 0) {
                err.println("warning: skipped " + trainer.skippedGradients() + " updates whose gradients were not finite");
            }
            if (plan.guideAt() > trainer.stepCount()) {
                err.println("warning: no guide kept in " + out.resolve(GUIDE) + ": the run ended at step " + trainer.stepCount()
                        + ", before --guide-at " + plan.guideAt());
            }
            writeLossCurve(out);
            stdout.printf(Locale.ROOT, "trained %d steps in %s; peak RSS %.0f MiB%n", trainer.stepCount(),
                    ProgressBar.clock(trainer.trainSeconds()), Memory.peakRssMiB());
        }
    }

    /** Deletes the guide files a previous run left in {@code out}. */
    private static void dropGuide(Path out) {
        Path g = out.resolve(GUIDE);
        try {
            Files.deleteIfExists(g.resolve(Run.CHECKPOINT));
            Files.deleteIfExists(g.resolve(Run.CONFIG));
            if (Files.isDirectory(g)) {
                try (var rest = Files.list(g)) {
                    if (rest.findAny().isEmpty()) {
                        Files.delete(g);
                    }
                }
            }
        } catch (IOException e) {
            throw new DdpmException("cannot remove the old guide in " + g + ": " + AtomicFiles.describe(e));
        }
    }

    /** Flushes the training log, or fails with a one-line message naming the run. */
    private static void flushLog(BufferedWriter log, Path out) {
        try {
            log.flush();
        } catch (IOException e) {
            throw new DdpmException("cannot write the training log in " + out + ": " + AtomicFiles.describe(e));
        }
    }

    /** A 4x4 grid from the EMA weights (or the raw ones), with the default fast sampler, fixed noise. */
    private static void writePreview(DiffusionTrainer t, DiffusionConfig dc, ModelConfig mc, Path file) {
        try (NDManager m = NDManager.newBaseManager(); Denoiser copy = Denoiser.create(mc, m, new Rng(0))) {
            if (t.ema() != null) {
                t.ema().copyTo(copy);
            } else {
                for (int i = 0; i < copy.parameters().size(); i++) {
                    Tensors.copyInto(copy.parameters().get(i).array(), t.model().parameters().get(i).array().toFloatArray());
                }
            }
            SamplerConfig sc = SamplerOptions.defaultSampler(mc);
            float[] imgs = new DiffusionPipeline(copy, sc.build(dc.build()))
                    .generate(16, SamplerOptions.defaultSteps(mc, dc), 16, new Rng(1234), StepListener.NONE);
            List<BufferedImage> pics = new ArrayList<>();
            int per = mc.channels() * mc.size() * mc.size();
            for (int i = 0; i < 16; i++) {
                pics.add(Images.toImage(imgs, i * per, mc.channels(), mc.size(), mc.size()));
            }
            Images.writePng(Images.grid(pics, 4, 2), file);
        }
    }

    /** Rewrites the log without lines past {@code step} (written after the checkpoint a resume starts from). */
    static void truncateLog(Path log, long step) {
        if (!Files.exists(log)) {
            return;
        }
        try {
            StringBuilder kept = new StringBuilder();
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                try {
                    if (JsonParser.parseString(line).getAsJsonObject().get("step").getAsLong() <= step) {
                        kept.append(line).append('\n');
                    }
                } catch (RuntimeException e) {
                    // a torn last line from a crash: drop it
                }
            }
            AtomicFiles.writeString(log, kept.toString());
        } catch (IOException e) {
            throw new DdpmException("cannot read " + log + ": " + AtomicFiles.describe(e));
        }
    }

    /** Plots the training log (raw loss and a moving average) to RUN/loss.png. */
    static void writeLossCurve(Path out) {
        try {
            List<String> lines = Files.readAllLines(out.resolve(Run.LOG), StandardCharsets.UTF_8);
            int n = lines.size();
            if (n == 0) {
                return;
            }
            double[] x = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                JsonObject o = JsonParser.parseString(lines.get(i)).getAsJsonObject();
                x[i] = o.get("step").getAsDouble();
                y[i] = o.get("loss").getAsDouble();
            }
            int win = Math.max(1, n / 50);
            double[] avg = new double[n];
            double sum = 0;
            int cnt = 0;
            for (int i = 0; i < n; i++) {
                if (Double.isFinite(y[i])) {
                    sum += y[i];
                    cnt++;
                }
                if (i >= win && Double.isFinite(y[i - win])) {
                    sum -= y[i - win];
                    cnt--;
                }
                avg[i] = cnt > 0 ? sum / cnt : Double.NaN;
            }
            Images.writePng(Plots.lines("training loss", "step", "loss", List.of(
                    new Plots.Series("loss", x, y, new Color(170, 190, 230)),
                    new Plots.Series("moving average (" + win + " steps)", x, avg, new Color(20, 60, 160))), true, false),
                    out.resolve("loss.png"));
        } catch (IOException | RuntimeException e) {
            throw new DdpmException("cannot plot " + out.resolve(Run.LOG) + ": " + e.getMessage());
        }
    }
}
