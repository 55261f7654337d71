package org.ddpm4j.api;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
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
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.checkpoint.RunLock;
import org.ddpm4j.checkpoint.TrainLog;
import org.ddpm4j.config.TrainConfig;
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
import org.ddpm4j.train.TrainListener;
import org.ddpm4j.train.TrainerCheckpoint;
import org.ddpm4j.train.TrainingTask;
import org.ddpm4j.util.AtomicFiles;
import org.ddpm4j.util.Memory;
import org.ddpm4j.util.ProgressBar;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;

/**
 * Training a run: a {@link Recipe} (the seed's or the U-Net's, every default in one place) resolved into a
 * {@link Plan}, then {@link #run} loads the data, trains with a progress bar, and writes the run directory
 * (checkpoint every N steps, atomically; training log; loss plot; optional preview grids and guide snapshot).
 * A run stopped at any point continues exactly with {@code resume} ({@link #resumePlan}).
 *
 * <pre>{@code
 * Training.Plan plan = Training.unet().data("mnist").digit(1).steps(200).plan();
 * Training.Outcome done = Training.run(plan, Path.of("runs/ones"), false, TrainingListener.console(System.out, System.err));
 * }</pre>
 */
public final class Training {

    private Training() {}

    /** Everything a training needs, resolved from a recipe or from a checkpoint being resumed. */
    public record Plan(ModelConfig model, DiffusionConfig diffusion, TrainConfig train, int sampleEvery, int checkpointEvery, long guideAt,
            int chooseWeights, List<ComputeDevice> devices) {

        public Plan {
            devices = List.copyOf(devices);
            if (devices.isEmpty() || devices.stream().distinct().count() != devices.size()) {
                throw new InvalidRequestException("device", "give one device, or several different ones, got " + devices);
            }
        }

        /** On the CPU. */
        public Plan(ModelConfig model, DiffusionConfig diffusion, TrainConfig train, int sampleEvery, int checkpointEvery, long guideAt,
                int chooseWeights) {
            this(model, diffusion, train, sampleEvery, checkpointEvery, guideAt, chooseWeights, List.of(ComputeDevice.CPU));
        }

        /** On the CPU, without a choice of weights at the end. */
        public Plan(ModelConfig model, DiffusionConfig diffusion, TrainConfig train, int sampleEvery, int checkpointEvery, long guideAt) {
            this(model, diffusion, train, sampleEvery, checkpointEvery, guideAt, 0);
        }

        /**
         * This plan trained on {@code devices}: on one, or data-parallel on several of one machine (each computes the
         * gradients of an equal part of every batch, and one update is applied: the same result as one device with
         * the whole batch, to float rounding). The devices are not part of the run: a run trained on GPUs samples and
         * resumes on the CPU and the other way round (to float rounding: kernels differ between devices).
         */
        public Plan on(List<ComputeDevice> devices) {
            return new Plan(model, diffusion, train, sampleEvery, checkpointEvery, guideAt, chooseWeights, devices);
        }

        /** As {@link #on(List)} with one device. */
        public Plan on(ComputeDevice device) {
            return on(List.of(device));
        }
    }

    /** The sub-directory of a run where a guide snapshot ({@link Recipe#guideAt}) keeps the run's early weights. */
    public static final String GUIDE = "guide";

    /** Thrown by {@link #run(Plan, Path, boolean, PrintStream, PrintStream, long)} at its stop step. */
    public static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super("stopped", null, false, false);
        }
    }

    /** Thrown inside a training to leave its loop once a cancelled step's checkpoint is saved. */
    private static final class Cancelled extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Cancelled() {
            super("cancelled", null, false, false);
        }
    }

    /** The U-Net recipe (ddpm4j's default): 30 minutes, AdamW 1e-3 with warm-up and cosine decay, EMA, v-prediction. */
    public static Recipe unet() {
        return new Recipe(ModelConfig.UNET);
    }

    /** The seed tutorial's recipe: its small conv net, 20 epochs, Adam 1e-4, linear schedule, eps-prediction. */
    public static Recipe seed() {
        return new Recipe(ModelConfig.SEED);
    }

    /** The recipe of network {@code model}: {@code unet} or {@code seed}. */
    public static Recipe recipe(String model) {
        if (!ModelConfig.SEED.equals(model) && !ModelConfig.UNET.equals(model)) {
            throw new InvalidRequestException("model", "unknown {model} '" + model + "' (expected unet or seed)");
        }
        return new Recipe(model);
    }

    /**
     * min-SNR-5 for unconditional U-Nets; off for the seed's recipe and for conditional runs. min-SNR-gamma
     * weights the x0 error of high-noise steps by snr (near 0), and those are the steps that decide the class:
     * at 800 steps a conditional run drew the asked-for digit 23% of the time with it and 68% without
     * (bench/minsnr_ab.sh).
     */
    public static double defaultMinSnr(boolean seedModel, boolean conditional) {
        return seedModel || conditional ? 0.0 : 5.0;
    }

    /** The plan stored in a run directory, to continue it exactly where its last checkpoint left it. */
    public static Plan resumePlan(Path out) {
        Run run = Run.open(out);
        Run.Cadence c = run.cadence();
        return new Plan(run.model(), run.diffusion(), run.train(), c.sampleEvery(), c.checkpointEvery(), c.guideAt(), c.chooseWeights());
    }

    /**
     * A training recipe: unset settings take the recipe's defaults. Setters record values; {@link #plan}
     * validates them all once and throws an {@link InvalidRequestException} naming the setting.
     */
    public static final class Recipe {
        private final String model;
        private String data = "mnist";
        private Integer digit;
        private boolean conditional;
        private double pUncond = 0.1;
        private Integer epochs;
        private Long steps;
        private Double minutes;
        private Integer batch;
        private Double lr;
        private Integer warmup;
        private Boolean cosine;
        private Double weightDecay;
        private Double clip;
        private Double ema;
        private java.util.List<Double> emaStds = java.util.List.of();
        private String schedule;
        private String prediction;
        private Double minSnr;
        private Integer base;
        private int[] mults;
        private Integer blocks;
        private int[] attention;
        private Float dropout;
        private boolean scaleShift;
        private boolean skipNonFinite;
        private Integer sampleEvery;
        private Integer checkpointEvery;
        private Long guideAt;
        private Integer chooseWeights;
        private long seed;
        private Integer size;
        private Integer channels;
        private Boolean flip;

        private Recipe(String model) {
            this.model = model;
        }

        /** {@code mnist} (embedded), {@code idx:DIR} or {@code folder:DIR}. */
        public Recipe data(String spec) {
            this.data = spec;
            return this;
        }

        /** Train on this class only. */
        public Recipe digit(int digit) {
            this.digit = digit;
            return this;
        }

        /** Learn every class, for class choice and guidance at sampling. */
        public Recipe conditional(boolean on) {
            this.conditional = on;
            return this;
        }

        public Recipe pUncond(double p) {
            this.pUncond = p;
            return this;
        }

        public Recipe epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        public Recipe steps(long steps) {
            this.steps = steps;
            return this;
        }

        public Recipe minutes(double minutes) {
            this.minutes = minutes;
            return this;
        }

        public Recipe batch(int batch) {
            this.batch = batch;
            return this;
        }

        public Recipe lr(double lr) {
            this.lr = lr;
            return this;
        }

        public Recipe warmup(int steps) {
            this.warmup = steps;
            return this;
        }

        public Recipe cosine(boolean on) {
            this.cosine = on;
            return this;
        }

        public Recipe weightDecay(double wd) {
            this.weightDecay = wd;
            return this;
        }

        public Recipe clip(double clip) {
            this.clip = clip;
            return this;
        }

        public Recipe ema(double decay) {
            this.ema = decay;
            return this;
        }

        /**
         * Also keeps one of EDM2's power-function EMAs (arXiv 2312.02696) per relative width {@code sigmaRel} (EDM2
         * uses 0.05 and 0.10): averages whose length grows with the run, sampled with
         * {@code DiffusionModel.Weights.powerEma}. Each costs one more copy of the weights and three tensor ops a step.
         */
        public Recipe emaStds(java.util.List<Double> sigmaRel) {
            this.emaStds = java.util.List.copyOf(sigmaRel);
            return this;
        }

        public Recipe schedule(String schedule) {
            this.schedule = schedule;
            return this;
        }

        public Recipe prediction(String prediction) {
            this.prediction = prediction;
            return this;
        }

        public Recipe minSnr(double gamma) {
            this.minSnr = gamma;
            return this;
        }

        public Recipe base(int channels) {
            this.base = channels;
            return this;
        }

        public Recipe mults(int... mults) {
            this.mults = mults.clone();
            return this;
        }

        public Recipe blocks(int blocks) {
            this.blocks = blocks;
            return this;
        }

        public Recipe attention(int... levels) {
            this.attention = levels.clone();
            return this;
        }

        public Recipe dropout(float p) {
            this.dropout = p;
            return this;
        }

        public Recipe scaleShift(boolean on) {
            this.scaleShift = on;
            return this;
        }

        public Recipe skipNonFinite(boolean on) {
            this.skipNonFinite = on;
            return this;
        }

        public Recipe sampleEvery(int steps) {
            this.sampleEvery = steps;
            return this;
        }

        public Recipe checkpointEvery(int steps) {
            this.checkpointEvery = steps;
            return this;
        }

        /** Also keep the weights of step {@code step} in {@code RUN/guide}, for autoguidance. */
        public Recipe guideAt(long step) {
            this.guideAt = step;
            return this;
        }

        public Recipe seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * At the end of training, score every weight set the run keeps with the quality meter on this many images and
         * store the best for sampling ({@link WeightChoice}); 0 = no choice. Default: {@link WeightChoice#DEFAULT_IMAGES}
         * for the U-Net, 0 for the seed's network (which keeps only its raw weights). It runs only when the meter's
         * classifier of the data is cached, and a {@code minutes} budget keeps the time it takes.
         */
        public Recipe chooseWeights(int images) {
            this.chooseWeights = images;
            return this;
        }

        /** folder: data: the side of the square training images. */
        public Recipe size(int size) {
            this.size = size;
            return this;
        }

        /** folder: data: 1 (gray) or 3 (RGB). */
        public Recipe channels(int channels) {
            this.channels = channels;
            return this;
        }

        public Recipe flip(boolean on) {
            this.flip = on;
            return this;
        }

        /**
         * The plan: every unset setting at the recipe's default, every setting validated.
         *
         * @throws InvalidRequestException naming the first setting out of range
         */
        public Plan plan() {
            try {
                return validatedPlan();
            } catch (org.ddpm4j.SettingException e) {
                throw InvalidRequestException.of(e);
            }
        }

        private Plan validatedPlan() {
            boolean seedModel = ModelConfig.SEED.equals(model);
            int budgets = (epochs != null ? 1 : 0) + (steps != null ? 1 : 0) + (minutes != null ? 1 : 0);
            if (budgets > 1) {
                throw new InvalidRequestException("budget", "give only one budget: {epochs}, {steps} or {minutes}");
            }
            if (epochs != null && epochs < 1) {
                throw new InvalidRequestException("epochs", "must be in 1..1000000, got " + epochs);
            }
            if (steps != null && steps < 1) {
                throw new InvalidRequestException("steps", "must be >= 1, got " + steps);
            }
            if (minutes != null && !(minutes > 0)) {
                throw new InvalidRequestException("minutes", "must be > 0, got " + minutes);
            }
            TrainConfig.Budget budget = epochs != null ? TrainConfig.Budget.epochs(epochs) : steps != null ? TrainConfig.Budget.steps(steps)
                    : minutes != null ? TrainConfig.Budget.minutes(minutes)
                    : seedModel ? TrainConfig.Budget.epochs(20) : TrainConfig.Budget.minutes(30);
            if (conditional && seedModel) {
                throw new InvalidRequestException("conditional", "the seed network cannot be class-conditional; use {model} unet");
            }
            TrainConfig tc = new TrainConfig(
                    new TrainConfig.Data(data, digit, or(size, 0), or(channels, 0), or(flip, data.startsWith("folder:"))),
                    budget,
                    new TrainConfig.Optimiser(or(batch, 64), or(lr, seedModel ? 1e-4 : 1e-3), or(warmup, seedModel ? 0 : 200),
                            or(cosine, !seedModel), or(weightDecay, 0.0), or(clip, seedModel ? 0.0 : 1.0), or(ema, seedModel ? 0.0 : 0.999),
                            emaStds),
                    new TrainConfig.Objective(or(minSnr, defaultMinSnr(seedModel, conditional)), skipNonFinite),
                    new TrainConfig.Conditioning(conditional, conditional ? pUncond : 0), seed);
            DiffusionConfig dc = DiffusionConfig.of(or(schedule, seedModel ? "linear" : "cosine"), 1000, 1e-4, 0.02,
                    or(prediction, seedModel ? "eps" : "v"));
            UNetConfig def = UNetConfig.defaults();
            UNetConfig uc = seedModel ? null : new UNetConfig(or(base, def.baseChannels()), mults != null ? mults : def.channelMults(),
                    or(blocks, def.blocksPerLevel()), attention != null ? attention
                            : new int[] {(mults != null ? mults.length : def.channelMults().length) - 1},
                    def.heads(), def.groups(), or(dropout, def.dropout()), scaleShift);
            if (seedModel && scaleShift) {
                throw new InvalidRequestException("scale-shift", "{scale-shift} is a U-Net setting; the seed network has no residual blocks");
            }
            // image shape comes from the data; 1 x 28 x 28 is a placeholder until it is loaded
            ModelConfig mc = new ModelConfig(seedModel ? ModelConfig.SEED : ModelConfig.UNET, 1, 28, uc);
            int se = or(sampleEvery, seedModel ? 0 : 1000);
            int ce = or(checkpointEvery, 500);
            if (se < 0 || ce < 0) {
                throw new InvalidRequestException(se < 0 ? "sample-every" : "checkpoint-every",
                        "{sample-every} and {checkpoint-every} must be >= 0");
            }
            if (guideAt != null && guideAt < 1) {
                throw new InvalidRequestException("guide-at", "must be >= 1, got " + guideAt);
            }
            if (guideAt != null && steps != null && guideAt >= steps) {
                throw new InvalidRequestException("guide-at", "{guide-at} must come before the last of the " + steps + " {steps}, got " + guideAt);
            }
            int cw = or(chooseWeights, seedModel ? 0 : WeightChoice.DEFAULT_IMAGES);
            if (cw != 0 && (cw < 10 || cw > Generation.MAX_COUNT)) {
                throw new InvalidRequestException("choose-weights", "must be 0 (no choice) or in 10.." + Generation.MAX_COUNT + ", got " + cw);
            }
            return new Plan(mc, dc, tc, se, ce, or(guideAt, 0L), cw);
        }
    }

    private static <T> T or(T v, T d) {
        return v != null ? v : d;
    }

    /**
     * How a training ended.
     *
     * @param steps the optimizer steps the run has done
     * @param totalSteps the steps its budget asks for
     * @param finished true if the budget is spent; false if the listener cancelled it (the run resumes from here)
     */
    public record Outcome(long steps, long totalSteps, boolean finished) {}

    /** As {@link #run(Plan, Path, boolean, TrainingListener)} with {@code ./ddpm train}'s console output. */
    public static Outcome run(Plan plan, Path out, boolean resume, PrintStream stdout, PrintStream err) {
        return run(plan, out, resume, TrainingListener.console(stdout, err), Long.MAX_VALUE);
    }

    /**
     * Loads the data, trains (or resumes) and writes the run directory {@code out}: a checkpoint every
     * {@code checkpointEvery} steps and at the end, each written atomically; the training log; the loss plot.
     *
     * @param resume continue the run in {@code out} from its last checkpoint ({@code plan} from {@link #resumePlan})
     * @param listener progress, messages and cancellation; {@link TrainingListener#NONE} for none
     * @throws InvalidRequestException if the data does not fit the plan (labels for a conditional run)
     * @throws DdpmException for unreadable data or an unwritable run directory, with a one-line message
     */
    public static Outcome run(Plan plan, Path out, boolean resume, TrainingListener listener) {
        return run(plan, out, resume, listener, Long.MAX_VALUE);
    }

    /**
     * As {@link #run(Plan, Path, boolean, TrainingListener)}, stopping after step {@code stopAfter} as if killed (no
     * final save; {@link Stopped} is thrown): a testing aid for crash safety.
     */
    public static Outcome run(Plan plan, Path out, boolean resume, PrintStream stdout, PrintStream err, long stopAfter) {
        return run(plan, out, resume, TrainingListener.console(stdout, err), stopAfter);
    }

    private static Outcome run(Plan plan, Path out, boolean resume, TrainingListener listener, long stopAfter) {
        return run(plan, out, resume, listener, stopAfter, Job.TRAIN);
    }

    /**
     * What a run trains beyond its plan: plain training from random weights ({@link #TRAIN}), or a distillation
     * ({@link Distillation}), which starts from a teacher's weights, adds its task's state to every checkpoint and
     * previews at its own step count.
     */
    interface Job {
        /** Plain diffusion training. */
        Job TRAIN = new Job() {};

        /** The task of the trainer of {@code net}; {@code resumed} is the run's checkpoint when resuming, else null. */
        default TrainingTask task(Denoiser net, org.ddpm4j.diffusion.GaussianDiffusion diffusion, TrainConfig tc, Run resumed) {
            return new org.ddpm4j.train.DenoisingTask(diffusion, tc);
        }

        /** Sets the weights a fresh run starts from (random ones are already there). */
        default void start(Denoiser net) {}

        /** True if the data must give exactly the plan's network (shape and classes) even on a fresh run. */
        default boolean fixedModel() {
            return false;
        }

        /** Updates the metadata before each checkpoint. */
        default void beforeSave(JsonObject extra) {}

        /** The tensors each checkpoint adds. */
        default java.util.Map<String, org.ddpm4j.checkpoint.Tensor> tensors() {
            return java.util.Map.of();
        }

        /** The sampling steps of a preview grid after step {@code step} of {@code total}. */
        default int previewSteps(ModelConfig mc, DiffusionConfig dc, long step, long total) {
            return Defaults.steps(mc, dc);
        }

        /**
         * A sub-directory of the run in which to keep a complete copy of the run after step {@code step} of
         * {@code total} (a distillation keeps each round's student), or null.
         */
        default String snapshot(long step, long total) {
            return null;
        }

        /** The first line, naming what is trained. */
        default String describe(ModelConfig mc, Denoiser net, ImageSet data, TrainConfig tc) {
            return String.format(Locale.ROOT, "training %s (%,d parameters) on %,d images of %s, %s of batch %d",
                    mc.unet() != null ? mc.unet() : mc.type(), net.parameterCount(), data.size(), data.description(), tc.budget(), tc.optimiser().batchSize());
        }
    }

    /** The networks of data-parallel training beyond the first device, each on a manager of its own. */
    private static final class Replicas implements AutoCloseable {
        private final List<NDManager> managers = new ArrayList<>();
        private final List<Denoiser> nets = new ArrayList<>();

        Denoiser add(ModelConfig mc, ComputeDevice d) {
            NDManager m = NDManager.newBaseManager(d.djl());
            managers.add(m);
            Denoiser net = Denoiser.create(mc, m, new org.ddpm4j.util.Rng(0)); // its own random weights, overwritten by the model's
            nets.add(net);
            return net;
        }

        @Override
        public void close() {
            nets.forEach(Denoiser::close);
            managers.forEach(NDManager::close);
        }
    }

    static Outcome run(Plan plan, Path out, boolean resume, TrainingListener listener, long stopAfter, Job job) {
        TrainConfig tc = plan.train();
        ImageSet all = Datasets.load(tc.data().spec(), tc.data().size(), tc.data().channels(), lines(listener::onMessage));
        ImageSet data = tc.data().digit() == null ? all : all.filterLabel(tc.data().digit());
        if (data.height() != data.width()) {
            throw new DdpmException("images must be square, got " + data.height() + "x" + data.width());
        }
        int classes = 0;
        if (tc.conditioning().conditional()) {
            if (!data.hasLabels()) {
                throw new InvalidRequestException("conditional", "{conditional} needs labels, and " + data.description() + " has none");
            }
            for (int i = 0; i < data.size(); i++) {
                classes = Math.max(classes, data.label(i) + 1);
            }
        }
        ModelConfig mc = new ModelConfig(plan.model().type(), data.channels(), data.height(), plan.model().unet(), classes);
        if ((resume || job.fixedModel()) && !mc.equals(plan.model())) {
            throw new DdpmException(out + " was trained on " + plan.model().channels() + "x" + plan.model().size()
                    + " images, but " + tc.data().spec() + " now holds " + data.channels() + "x" + data.height());
        }
        boolean choose = false;
        if (job == Job.TRAIN && plan.chooseWeights() > 0 && WeightChoice.candidates(tc.optimiser()) > 1) {
            choose = WeightChoice.meterReady(all, WeightChoice.METER);
            if (!choose) {
                listener.onMessage("the weights will not be chosen: the quality meter has no classifier of " + all.description()
                        + " cached yet (`./ddpm eval --run " + out + "` trains it once, then `./ddpm weights --run " + out
                        + "` chooses); until then sampling uses the EMA");
            }
        }
        try (RunLock lock = RunLock.acquire(out)) {
            return trainLocked(plan, out, resume, listener, stopAfter, tc, data, mc, job, choose);
        }
    }

    /** A stream whose every line goes to {@code sink}, for the parts of the library that warn on a stream. */
    private static PrintStream lines(java.util.function.Consumer<String> sink) {
        return new PrintStream(new java.io.ByteArrayOutputStream() {
            @Override
            public synchronized void flush() {
                String s = toString(StandardCharsets.UTF_8);
                int from = 0;
                for (int nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', from)) {
                    sink.accept(s.substring(from, nl));
                    from = nl + 1;
                }
                String rest = s.substring(from);
                reset();
                writeBytes(rest.getBytes(StandardCharsets.UTF_8));
            }
        }, true, StandardCharsets.UTF_8);
    }

    private static Outcome trainLocked(Plan plan, Path out, boolean resume, TrainingListener listener, long stopAfter,
            TrainConfig tc, ImageSet data, ModelConfig mc, Job job, boolean choose) {
        Rng rng = new Rng(tc.seed());
        JsonObject extra = new JsonObject();
        extra.add(Run.CADENCE, new Run.Cadence(plan.sampleEvery(), plan.checkpointEvery(), plan.guideAt(), plan.chooseWeights()).toJson());
        for (String prefix : new String[] {"folder:", "idx:"}) {
            if (tc.data().spec().startsWith(prefix)) { // where the data was, so that eval finds it from another directory
                extra.addProperty(Run.DATA_PATH, Path.of(tc.data().spec().substring(prefix.length())).toAbsolutePath().normalize().toString());
            }
        }
        if (tc.conditioning().conditional() && !data.classNames().isEmpty()) {
            com.google.gson.JsonArray names = new com.google.gson.JsonArray();
            data.classNames().forEach(names::add);
            extra.add(Run.CLASS_NAMES, names);
        }
        plan.devices().forEach(ComputeDevice::check);
        try (NDManager manager = NDManager.newBaseManager(plan.devices().get(0).djl()); Denoiser net = Denoiser.create(mc, manager, rng);
                Replicas replicas = new Replicas()) {
            Run resumed = resume ? Run.open(out) : null;
            org.ddpm4j.diffusion.GaussianDiffusion diffusion = plan.diffusion().build();
            DiffusionTrainer trainer = new DiffusionTrainer(net, diffusion, tc, rng, data, job.task(net, diffusion, tc, resumed));
            org.ddpm4j.checkpoint.ChosenWeights.delete(out); // a choice among weights this training replaces
            int calls = Defaults.steps(mc, plan.diffusion());
            int candidates = WeightChoice.candidates(tc.optimiser());
            java.util.function.DoubleUnaryOperator reserve = perStep -> choose
                    ? WeightChoice.expectedSeconds(candidates, plan.chooseWeights(), calls, perStep, tc.optimiser().batchSize()) : 0;
            trainer.reserveAfterTraining(reserve);
            if (resume) {
                TrainerCheckpoint.restore(resumed, trainer);
                TrainLog.truncate(out.resolve(Run.LOG), trainer.stepCount());
                listener.onMessage(String.format(Locale.ROOT, "resuming %s at step %d of %d", out, trainer.stepCount(), trainer.totalSteps()));
            } else {
                job.start(net);
                AtomicFiles.writeString(out.resolve(Run.LOG), "");
                dropGuide(out); // a guide kept by the run this one overwrites is not this run's early self
            }
            for (ComputeDevice d : plan.devices().subList(1, plan.devices().size())) {
                trainer.addReplica(replicas.add(mc, d));
            }
            listener.onMessage(job.describe(mc, net, data, tc) + (plan.devices().size() > 1 ? ", data-parallel on " + plan.devices() : ""));
            if (trainer.totalSteps() > 0 && trainer.stepCount() >= trainer.totalSteps()) {
                listener.onMessage("nothing to do: the run already finished its budget");
                return new Outcome(trainer.stepCount(), trainer.totalSteps(), true);
            }
            try (BufferedWriter log = Files.newBufferedWriter(out.resolve(Run.LOG), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                trainer.run(new TrainListener() {
                    @Override
                    public void onStep(long step, long total, int epoch, double loss, double ips) {
                        try {
                            // resident memory every 100 steps: a flat line proves no native-memory growth
                            TrainLog.append(log, new TrainLog.Entry(step, epoch, loss, ips, step % 100 == 0 ? Memory.rssMiB() : Double.NaN));
                        } catch (IOException e) {
                            throw new DdpmException("cannot write the training log in " + out + ": " + AtomicFiles.describe(e));
                        }
                        listener.onStep(step, total, epoch, loss, ips);
                    }
                }, t -> {
                    long s = t.stepCount();
                    boolean last = t.totalSteps() > 0 && s >= t.totalSteps();
                    if (plan.sampleEvery() > 0 && (s % plan.sampleEvery() == 0 || last)) {
                        writePreview(t, plan.diffusion(), mc, job.previewSteps(mc, plan.diffusion(), s, t.totalSteps()),
                                out.resolve("samples").resolve(String.format(Locale.ROOT, "step%07d.png", s)));
                    }
                    boolean cancel = !last && listener.cancelled();
                    if (last || cancel || (plan.checkpointEvery() > 0 && s % plan.checkpointEvery() == 0)) {
                        flushLog(log, out);
                        job.beforeSave(extra);
                        TrainerCheckpoint.save(out, t, mc, plan.diffusion(), tc, extra, job.tensors());
                    }
                    String snap = job.snapshot(s, t.totalSteps());
                    if (snap != null) {
                        job.beforeSave(extra);
                        TrainerCheckpoint.save(out.resolve(snap), t, mc, plan.diffusion(), tc, extra, job.tensors());
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
                    if (cancel) {
                        throw new Cancelled();
                    }
                });
            } catch (Cancelled c) {
                // saved at this step above
            } catch (IOException e) {
                throw new DdpmException("cannot write " + out.resolve(Run.LOG) + ": " + AtomicFiles.describe(e));
            }
            if (trainer.skippedBatches() > 0) {
                listener.onMessage("warning: skipped " + trainer.skippedBatches() + " batches with a non-finite loss");
            }
            if (trainer.skippedGradients() > 0) {
                listener.onMessage("warning: skipped " + trainer.skippedGradients() + " updates whose gradients were not finite");
            }
            boolean finished = trainer.totalSteps() > 0 && trainer.stepCount() >= trainer.totalSteps();
            if (finished && plan.guideAt() > trainer.stepCount()) {
                listener.onMessage("warning: no guide kept in " + out.resolve(GUIDE) + ": the run ended at step " + trainer.stepCount()
                        + ", before guide-at step " + plan.guideAt());
            }
            writeLossCurve(out);
            // a --minutes budget: the wall time it took (grids and checkpoints included) beside the time it was planned to take
            String budget = Double.isFinite(trainer.plannedSeconds())
                    ? " (" + ProgressBar.clock(trainer.wallSeconds()) + " with grids and checkpoints; planned " + ProgressBar.clock(trainer.plannedSeconds()) + ")"
                    : "";
            listener.onMessage(String.format(Locale.ROOT, finished ? "trained %d steps in %s%s; peak RSS %.0f MiB"
                    : "cancelled after step %d (" + trainer.totalSteps() + " planned) in %s%s; peak RSS %.0f MiB; the checkpoint resumes from there",
                    trainer.stepCount(), ProgressBar.clock(trainer.trainSeconds()), budget, Memory.peakRssMiB()));
            if (finished && choose) {
                listener.onMessage(String.format(Locale.ROOT, "choosing the weights: the meter scores %d images of each of %s",
                        plan.chooseWeights(), WeightChoice.candidates(out)));
                org.ddpm4j.checkpoint.ChosenWeights c = WeightChoice.choose(out, plan.chooseWeights(), WeightChoice.METER, lines(listener::onMessage));
                String kept = trainer.reservedSeconds() > 0
                        ? String.format(Locale.ROOT, " (%.0f s kept for it); training and the choice took %s of the %s budget",
                                trainer.reservedSeconds(), ProgressBar.clock(trainer.wallSeconds() + c.seconds()),
                                ProgressBar.clock(tc.budget().minutes() * 60))
                        : "";
                listener.onMessage(String.format(Locale.ROOT, "sampling uses %s, chosen in %.0f s%s: %s", c.weights(), c.seconds(), kept,
                        WeightChoice.describe(c)));
            }
            return new Outcome(trainer.stepCount(), trainer.totalSteps(), finished);
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
    private static void writePreview(DiffusionTrainer t, DiffusionConfig dc, ModelConfig mc, int steps, Path file) {
        try (NDManager m = NDManager.newBaseManager(); Denoiser copy = Denoiser.create(mc, m, new Rng(0))) {
            if (t.ema() != null) {
                t.ema().copyTo(copy);
            } else {
                for (int i = 0; i < copy.parameters().size(); i++) {
                    Tensors.copyInto(copy.parameters().get(i).array(), t.model().parameters().get(i).array().toFloatArray());
                }
            }
            SamplerConfig sc = Defaults.sampler(mc);
            float[] imgs = new DiffusionPipeline(copy, sc.build(dc.build()))
                    .generate(16, steps, 16, new Rng(1234), StepListener.NONE);
            List<BufferedImage> pics = new ArrayList<>();
            int per = mc.channels() * mc.size() * mc.size();
            for (int i = 0; i < 16; i++) {
                pics.add(Images.toImage(imgs, i * per, mc.channels(), mc.size(), mc.size()));
            }
            Images.writePng(Images.grid(pics, 4, 2), file);
        }
    }

    /** Plots the training log (raw loss and a moving average) to RUN/loss.png. */
    public static void writeLossCurve(Path out) {
        try {
            List<TrainLog.Entry> lines = TrainLog.read(out.resolve(Run.LOG));
            int n = lines.size();
            if (n == 0) {
                return;
            }
            double[] x = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = lines.get(i).step();
                y[i] = lines.get(i).loss();
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
