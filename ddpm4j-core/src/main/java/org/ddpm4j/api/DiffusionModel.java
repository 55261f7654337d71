package org.ddpm4j.api;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.data.ClassChoice;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.image.Images;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.pipeline.DiffusionPipeline;
import org.ddpm4j.pipeline.StepListener;
import org.ddpm4j.sampler.Sampler;
import org.ddpm4j.sampler.SamplerConfig;
import org.ddpm4j.util.Rng;

/**
 * A trained run, opened for generation: the entry point of ddpm4j as a library.
 *
 * <pre>{@code
 * try (DiffusionModel model = DiffusionModel.open(Path.of("runs/demo"))) {
 *     GeneratedImages images = model.generate(Generation.builder().count(16).seed(1).build());
 *     images.writePngs(Path.of("samples"));
 * }
 * }</pre>
 *
 * <p>The network's weights live in native (PyTorch) memory until {@link #close}. The EMA weights are used when
 * the run has them. DJL must run offline on its bundled CPU natives: set {@code -Dai.djl.offline=true} (the
 * {@code ./ddpm} launcher does, as does this class if the property is unset), and cap direct memory with
 * {@code -XX:MaxDirectMemorySize=512m} as the launcher does. A model is not thread-safe: use one per thread.
 */
public final class DiffusionModel implements AutoCloseable {

    private final Run run;
    private final NDManager manager;
    private final Denoiser net;
    private final Weights weights;
    private final java.util.Optional<org.ddpm4j.checkpoint.ChosenWeights> chosen;

    private final java.util.Optional<org.ddpm4j.checkpoint.Distilled> distilled;

    private DiffusionModel(Run run, NDManager manager, Denoiser net, Weights weights,
            java.util.Optional<org.ddpm4j.checkpoint.ChosenWeights> chosen) {
        this.distilled = org.ddpm4j.checkpoint.Distilled.of(run);
        this.run = run;
        this.manager = manager;
        this.net = net;
        this.weights = weights;
        this.chosen = chosen;
    }

    /**
     * Which of a run's weights a model samples with: the ones the quality meter chose at the end of training
     * ({@link #BEST}, the default), the fixed-decay EMA ({@link #EMA}), the raw trained weights ({@link #RAW}), or one
     * of EDM2's power-function EMAs a run trained with {@code emaStds} keeps ({@link #powerEma}). Written as
     * {@code best}, {@code ema}, {@code raw} and {@code ema:0.100}.
     */
    public static final class Weights {
        /** The exponential moving average of the trained weights, when the run keeps one (else the trained weights). */
        public static final Weights EMA = new Weights("ema", Double.NaN);
        /** The trained weights as the optimiser left them. */
        public static final Weights RAW = new Weights("raw", Double.NaN);
        /**
         * The kept weights the quality meter scored best at the end of training ({@code RUN/weights.json}, see
         * {@link WeightChoice}), if they were chosen at the checkpoint's step; else {@link #EMA}.
         */
        public static final Weights BEST = new Weights("best", Double.NaN);

        private final String kind;
        private final double sigmaRel;

        private Weights(String kind, double sigmaRel) {
            this.kind = kind;
            this.sigmaRel = sigmaRel;
        }

        /** The power-function EMA of relative width {@code sigmaRel} (EDM2, arXiv 2312.02696). */
        public static Weights powerEma(double sigmaRel) {
            if (!(sigmaRel > 0 && sigmaRel < 0.2886)) {
                throw new InvalidRequestException("weights", "a power-function EMA's width must be in (0, 0.2886), got " + sigmaRel);
            }
            return new Weights("ema-std", sigmaRel);
        }

        /** Parses {@code best}, {@code raw}, {@code ema} or {@code ema:SIGMA_REL}. */
        public static Weights parse(String s) {
            String t = s == null ? "" : s.trim().toLowerCase(java.util.Locale.ROOT);
            if (t.equals("best")) {
                return BEST;
            }
            if (t.equals("ema")) {
                return EMA;
            }
            if (t.equals("raw")) {
                return RAW;
            }
            if (t.startsWith("ema:")) {
                try {
                    return powerEma(Double.parseDouble(t.substring(4)));
                } catch (NumberFormatException e) {
                    // below
                }
            }
            throw new InvalidRequestException("weights", "must be best, raw, ema or ema:SIGMA_REL (a power-function EMA the run keeps), got '" + s + "'");
        }

        /** The relative width of a power-function EMA, NaN for the others. */
        public double sigmaRel() {
            return sigmaRel;
        }

        @Override
        public String toString() {
            return Double.isNaN(sigmaRel) ? kind : String.format(java.util.Locale.ROOT, "ema:%.3f", sigmaRel);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Weights w && w.kind.equals(kind) && Double.compare(w.sigmaRel, sigmaRel) == 0;
        }

        @Override
        public int hashCode() {
            return kind.hashCode() * 31 + Double.hashCode(sigmaRel);
        }
    }

    /**
     * Opens the run in {@code runDir} (made by {@code ./ddpm train} or the training API) with its {@link Weights#BEST}
     * weights: the meter's choice at the end of training, else the EMA.
     */
    public static DiffusionModel open(Path runDir) {
        return open(runDir, Weights.BEST);
    }

    /**
     * Opens the run in {@code runDir} and loads the chosen weights. A power-function EMA the run does not keep is
     * an {@link InvalidRequestException} naming the ones it does.
     */
    public static DiffusionModel open(Path runDir, Weights weights) {
        return open(runDir, weights, ComputeDevice.CPU);
    }

    /**
     * As {@link #open(Path, Weights)}, with the network on {@code device} (checked first: a GPU the natives do not
     * see is an {@link InvalidRequestException} naming the fix). Images still come back as Java arrays.
     */
    public static DiffusionModel open(Path runDir, Weights weights, ComputeDevice device) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true"); // nothing is downloaded: the CPU natives come from the jar
        }
        Run run = Run.open(runDir).forSampling();
        java.util.Optional<org.ddpm4j.checkpoint.ChosenWeights> chosen = java.util.Optional.empty();
        if (weights == Weights.BEST) {
            chosen = WeightChoice.current(run);
            weights = chosen.isPresent() ? Weights.parse(chosen.get().weights()) : Weights.EMA;
        }
        if (!Double.isNaN(weights.sigmaRel()) && !run.hasTensors(Run.powerEma(weights.sigmaRel()))) {
            throw new InvalidRequestException("weights", runDir + " keeps no power-function EMA of width "
                    + String.format(java.util.Locale.ROOT, "%.3f", weights.sigmaRel()) + " (it keeps "
                    + (run.powerEmaStds().isEmpty() ? "none; train with ema-std" : run.powerEmaStds().toString()) + ")");
        }
        device.check();
        NDManager manager = NDManager.newBaseManager(device.djl());
        try {
            if (!Double.isNaN(weights.sigmaRel())) {
                return new DiffusionModel(run, manager, run.loadModel(manager, Run.powerEma(weights.sigmaRel())), weights, chosen);
            }
            boolean ema = weights == Weights.EMA;
            return new DiffusionModel(run, manager, run.loadModel(manager, ema), run.usesEma(ema) ? Weights.EMA : Weights.RAW, chosen);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * The weights in use: never {@link Weights#BEST} (the weights it stood for), and {@link Weights#RAW} when EMA was
     * asked for but the run keeps none.
     */
    public Weights weights() {
        return weights;
    }

    /** The meter's choice these weights came from, when {@link Weights#BEST} was asked for and the run has a current one. */
    public java.util.Optional<org.ddpm4j.checkpoint.ChosenWeights> chosenWeights() {
        return chosen;
    }

    /** The device the network runs on. */
    public ComputeDevice device() {
        return manager.getDevice().isGpu() ? new ComputeDevice(true, manager.getDevice().getDeviceId()) : ComputeDevice.CPU;
    }

    /** The run directory this model was opened from. */
    public Path runDirectory() {
        return run.dir();
    }

    /** The side of the square images this model makes. */
    public int size() {
        return run.model().size();
    }

    /** 1 (gray) or 3 (RGB). */
    public int channels() {
        return run.model().channels();
    }

    /** True if the model was trained with classes (and can draw a chosen one). */
    public boolean conditional() {
        return run.model().conditional();
    }

    /** T, the number of diffusion steps the run was trained with (time points are 0..T-1). */
    public int diffusionSteps() {
        return run.diffusion().steps();
    }

    /** The number of classes (0 for an unconditional model). */
    public int classes() {
        return run.model().conditional() ? run.model().classes() : 0;
    }

    /** The class names, index = class (folder names for a folder run; empty when the classes have none). */
    public List<String> classNames() {
        return List.copyOf(run.classNames());
    }

    /**
     * The default steps of a distilled student ({@code ./ddpm distill}): a progressive student's DDIM steps, the only
     * count it samples at, or a consistency student's grid, the most it samples at; empty for a trained run, which
     * samples at any.
     */
    public java.util.OptionalInt distilledSteps() {
        return distilled.isPresent() ? java.util.OptionalInt.of(distilled.get().steps()) : java.util.OptionalInt.empty();
    }

    /** The network calls per image of a request that names none: a student's steps, else {@link Defaults#steps}. */
    public int defaultSteps() {
        return distilled.isPresent() ? distilled.get().steps() : Defaults.steps(run.model(), run.diffusion());
    }

    /**
     * The guide of a request that names none: none for a distilled student (its teacher's guidance is built in),
     * else {@link Guide#DEFAULT}.
     */
    public Guide defaultGuide() {
        return distilled.isPresent() ? Guide.none() : Guide.DEFAULT;
    }

    /** The guide {@code g} samples with: its own, else this model's {@link #defaultGuide}. */
    public Guide guide(Generation g) {
        return g.guideGiven() ? g.guide() : defaultGuide();
    }

    /**
     * Refuses what a distilled student cannot do: a progressive student samples only with DDIM at its own steps, a
     * consistency student only with the consistency sampler at 1 to its grid's steps, both on trailing time points.
     */
    private void checkDistilled(Generation g) {
        if (distilled.isEmpty()) {
            return;
        }
        org.ddpm4j.checkpoint.Distilled d = distilled.get();
        SamplerKind own = studentSampler(d);
        String why = "this run was distilled (" + d.method() + ") to sample with " + (d.consistency() ? "the consistency sampler" : "DDIM")
                + " at " + d.supported() + " steps";
        if (g.steps().isPresent() && !d.supports(g.steps().getAsInt())) {
            throw new InvalidRequestException("steps", why + "; use {steps} " + d.supported() + ", or sample its teacher " + d.teacher());
        }
        if (g.sampler().isPresent() && g.sampler().get() != own) {
            throw new InvalidRequestException("sampler", why + "; use {sampler} " + own.id() + ", or sample its teacher " + d.teacher());
        }
        if (g.spacing().isPresent() && g.spacing().get() != org.ddpm4j.sampler.TimestepSpacing.TRAILING) {
            throw new InvalidRequestException("spacing", why + " on trailing time points; use {spacing} trailing");
        }
        int k = g.steps().orElse(d.steps());
        if (g.timesteps().isPresent() && !Arrays.equals(g.timesteps().get(), studentTimesteps(k))) {
            throw new InvalidRequestException("timesteps", why + " on the trailing time points " + Arrays.toString(studentTimesteps(k)));
        }
    }

    /** The sampler a student samples with: DDIM (progressive) or the consistency sampler. */
    private static SamplerKind studentSampler(org.ddpm4j.checkpoint.Distilled d) {
        return d.consistency() ? SamplerKind.CONSISTENCY : SamplerKind.DDIM;
    }

    private int[] studentTimesteps(int k) {
        return org.ddpm4j.sampler.TimestepSpacing.TRAILING.timesteps(run.diffusion().steps(), k);
    }

    /** Generates the requested images. */
    public GeneratedImages generate(Generation g) {
        return generate(g, GenerationListener.NONE);
    }

    /** Generates the requested images, telling {@code listener} of every step (which may stop the work by throwing). */
    public GeneratedImages generate(Generation g, GenerationListener listener) {
        try {
            return generateValidated(g, listener);
        } catch (org.ddpm4j.SettingException e) {
            throw InvalidRequestException.of(e);
        }
    }

    private GeneratedImages generateValidated(Generation g, GenerationListener listener) {
        ModelConfig mc = run.model();
        int[] classes = classes(g, g.count(), g.everyClass());
        int total = classes == null ? g.count() : classes.length;
        int n = sliceTo(g, total) - g.sliceFrom();
        return new GeneratedImages(draw(g, classes, listener), n, mc.channels(), mc.size());
    }

    /**
     * The class of every image {@code g} asks for, in order (the whole request, whatever its slice): -1 for an
     * unconditional image. Its length is the request's number of images.
     */
    public int[] imageClasses(Generation g) {
        try {
            int[] classes = classes(g, g.count(), g.everyClass());
            if (classes == null) {
                classes = new int[g.count()];
                Arrays.fill(classes, -1);
            }
            return classes;
        } catch (org.ddpm4j.SettingException e) {
            throw InvalidRequestException.of(e);
        }
    }

    /** The end of {@code g}'s slice of a request of {@code total} images, checked. */
    private static int sliceTo(Generation g, int total) {
        int to = g.sliceTo().orElse(total);
        if (to > total) {
            throw new InvalidRequestException("slice", "ends at image " + to + " but the request has " + total + " images");
        }
        return to;
    }

    /**
     * The class of each image {@code g} asks for, {@code n} per class: {@code n} of its one class, {@code n} of
     * every class in class order when {@code every}, or null (unconditional) when it names no class. Refuses a
     * class, or every class, from a model without classes.
     */
    private int[] classes(Generation g, int n, boolean every) {
        if (g.classChoice().isPresent()) {
            int[] classes = new int[n];
            Arrays.fill(classes, resolveClass(g.classChoice().get()));
            return classes;
        }
        if (!every) {
            return null;
        }
        if (!run.model().conditional()) {
            throw new InvalidRequestException("class", "this model is not class-conditional: it cannot draw every class");
        }
        int[] classes = new int[n * run.model().classes()];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = i / n;
        }
        return classes;
    }

    /** The sampler settings of {@code g} on top of this model's defaults. */
    public SamplerConfig samplerSettings(Generation g) {
        checkDistilled(g);
        try {
            SamplerConfig d = Defaults.sampler(run.model());
            if (distilled.isPresent()) {
                d = d.withKind(studentSampler(distilled.get()).kind());
            }
            return new SamplerConfig(g.sampler().map(SamplerKind::kind).orElse(d.kind()), g.eta(), g.spacing().orElse(d.spacing()),
                    g.variance(), g.clipX0().orElse(d.clipX0()));
        } catch (org.ddpm4j.SettingException e) {
            throw InvalidRequestException.of(e);
        }
    }

    /** The network calls per image of {@code g}: the asked number, else this model's default. */
    public int steps(Generation g) {
        checkDistilled(g);
        return withinT(g.steps().orElse(defaultSteps()));
    }

    /**
     * Where the time points of a request come from and what they are.
     *
     * @param timesteps the K timesteps, strictly decreasing, one network call each
     * @param origin {@code given} (the request's own), {@code tuned} (the run's {@code schedules.json}, found by
     *     {@code ./ddpm tune-steps} for this sampler and step count), {@code distilled} (a student's own), or the
     *     spacing that placed them
     *     ({@code trailing}, {@code leading}, {@code linspace})
     */
    public record TimePoints(int[] timesteps, String origin) {
        public TimePoints {
            timesteps = timesteps.clone();
        }

        @Override
        public int[] timesteps() {
            return timesteps.clone();
        }

        /** True if they come from the run's tuned schedules. */
        public boolean tuned() {
            return origin.equals("tuned");
        }
    }

    /**
     * The time points {@code g} samples at: its explicit {@link Generation#timesteps}; else, when it sets no
     * spacing, the run's tuned schedule for its sampler and step count if there is one; else its spacing's.
     */
    public TimePoints timePoints(Generation g) {
        try {
            int steps = steps(g);
            if (distilled.isPresent()) {
                return new TimePoints(studentTimesteps(steps), "distilled");
            }
            if (g.timesteps().isPresent()) {
                int[] ts = g.timesteps().get();
                org.ddpm4j.sampler.FixedTimesteps.check(ts, run.diffusion().steps());
                return new TimePoints(ts, "given");
            }
            SamplerConfig sc = samplerSettings(g);
            if (g.spacing().isEmpty()) {
                java.util.Optional<org.ddpm4j.checkpoint.TunedSchedules.Entry> e =
                        org.ddpm4j.checkpoint.TunedSchedules.find(run.dir(), sc.kind().id(), steps);
                if (e.isPresent()) {
                    return new TimePoints(e.get().timesteps(), "tuned");
                }
            }
            return new TimePoints(sc.spacing().timesteps(run.diffusion().steps(), steps), sc.spacing().name().toLowerCase(java.util.Locale.ROOT));
        } catch (org.ddpm4j.SettingException e) {
            throw InvalidRequestException.of(e);
        }
    }

    /**
     * The images of {@code g}'s slice (the whole request unless {@link Generation#sliced()}), image i of the
     * request of class {@code classes[i]} (null: unconditional).
     */
    private float[] draw(Generation g, int[] classes, GenerationListener listener) {
        GaussianDiffusion diffusion = run.diffusion().build();
        int steps = steps(g);
        Sampler sampler = new org.ddpm4j.sampler.FixedTimesteps(samplerSettings(g).build(diffusion), timePoints(g).timesteps());
        int total = classes == null ? g.count() : classes.length;
        int from = g.sliceFrom();
        int to = sliceTo(g, total);
        int n = to - from;
        int[] cls = classes == null ? null : Arrays.copyOfRange(classes, from, to);
        int batches = (n + g.batch() - 1) / g.batch();
        Guide guide = guide(g);
        return pipeline(sampler, null, guide).generate(n, steps, g.batch(), new Rng(g.seed()), adapt(listener, batches),
                cls, guide.settings(), from);
    }

    /** The sampling pipeline of this model's network, autoguided by the guide's weak model if it has one. */
    private DiffusionPipeline pipeline(Sampler sampler, GaussianDiffusion diffusion, Guide guide) {
        DiffusionPipeline p = new DiffusionPipeline(net, sampler, diffusion);
        if (guide.weakModel().isPresent()) { // only Guide.autoguidance gives one
            DiffusionModel weak = guide.weakModel().get();
            String why = guideMismatch(weak);
            if (why != null) {
                throw new InvalidRequestException("guide", "the run " + weak.run.dir() + " cannot guide " + run.dir() + ": " + why);
            }
            p = p.withGuide(weak.net);
        }
        return p;
    }

    /** Why {@code weak} cannot guide this model (another image shape, classes, diffusion or data), or null if it can. */
    public String guideMismatch(DiffusionModel weak) {
        String shape = DiffusionPipeline.guideMismatch(run.model(), weak.run.model());
        if (shape != null) {
            return shape;
        }
        // the networks may differ in width and depth; the process and the data may not
        if (!run.diffusion().equals(weak.run.diffusion())) {
            return "its diffusion " + weak.run.diffusion() + " differs from the run's " + run.diffusion();
        }
        org.ddpm4j.config.TrainConfig.Data x = run.train().data();
        org.ddpm4j.config.TrainConfig.Data y = weak.run.train().data();
        if (!x.spec().equals(y.spec())) {
            return "it was trained with data " + y.spec() + ", the run with " + x.spec();
        }
        if (!java.util.Objects.equals(x.digit(), y.digit())) {
            return "it was trained with digit " + text(y.digit()) + ", the run with " + text(x.digit());
        }
        return null;
    }

    private static String text(Integer digit) {
        return digit == null ? "none" : digit.toString();
    }

    /** The pipeline's step callbacks as the API's steps; {@code batches} batches of equal step counts. */
    private static StepListener adapt(GenerationListener listener, int batches) {
        if (listener == GenerationListener.NONE) {
            return StepListener.NONE;
        }
        long[] calls = {0};
        return (i, total, t, x, x0) -> {
            int batch = (int) (calls[0]++ / total);
            listener.onStep(new GenerationListener.Step() {
                public int index() {
                    return i;
                }

                public int steps() {
                    return total;
                }

                public int timestep() {
                    return t;
                }

                public int batch() {
                    return batch;
                }

                public int batches() {
                    return batches;
                }

                public int batchSize() {
                    return (int) x.getShape().get(0);
                }

                public float[] current(int max) {
                    return first(x, max);
                }

                public float[] predictedClean(int max) {
                    return first(x0, max);
                }
            });
        };
    }

    private static float[] first(ai.djl.ndarray.NDArray batch, int max) {
        long n = Math.min(Math.max(0, max), batch.getShape().get(0));
        if (n == batch.getShape().get(0)) {
            return batch.toFloatArray();
        }
        try (ai.djl.ndarray.NDArray part = batch.get("0:" + n)) {
            return part.toFloatArray();
        }
    }

    /** Inpaints: {@code count} completions of the image, its dark mask pixels kept exactly. */
    public GeneratedImages inpaint(Inpainting r) {
        return inpaint(r, GenerationListener.NONE);
    }

    /** Inpaints, telling {@code listener} of every step (which may stop the work by throwing). */
    public GeneratedImages inpaint(Inpainting r, GenerationListener listener) {
        try {
            return inpaintValidated(r, listener);
        } catch (org.ddpm4j.SettingException e) {
            throw InvalidRequestException.of(e);
        }
    }

    private GeneratedImages inpaintValidated(Inpainting r, GenerationListener listener) {
        if (distilled.isPresent()) {
            throw new InvalidRequestException("run", "this run was distilled to sample in " + distilled.get().steps()
                    + " DDIM steps; inpainting resamples over many steps: inpaint with its teacher " + distilled.get().teacher());
        }
        ModelConfig mc = run.model();
        GaussianDiffusion diffusion = run.diffusion().build();
        withinT(r.steps());
        checkSize("image", r.image());
        checkSize("mask", r.mask());
        int cls = r.classChoice().isPresent() ? resolveClass(r.classChoice().get()) : -1;
        float[] image = Images.toTensor(r.image(), mc.channels(), mc.size(), "the image");
        float[] mask = Images.toMask(r.mask(), mc.size());
        float[] out = pipeline(Defaults.inpaintingSampler(r.sampler()).build(diffusion), diffusion, r.guide())
                .inpaint(image, mask, r.count(), r.steps(), r.resample(), new Rng(r.seed()), adapt(listener, 1), cls, r.guide().settings());
        return GeneratedImages.inpainted(out, r.count(), mc.channels(), mc.size(), image, mask);
    }

    /**
     * Scores the model with the quality meter, as {@code ./ddpm eval} does: the same images for the same
     * settings and seed, the same scores. Trains the meter's classifier on the run's data the first time
     * (minutes; cached), reporting its progress to {@code log}.
     */
    public Evaluation.Result evaluate(Evaluation e, java.io.PrintStream log) {
        return evaluate(e, log, GenerationListener.NONE);
    }

    /** As {@link #evaluate(Evaluation, java.io.PrintStream)}, telling {@code listener} of every generation step. */
    public Evaluation.Result evaluate(Evaluation e, java.io.PrintStream log, GenerationListener listener) {
        try {
            return evaluateValidated(e, log, listener);
        } catch (org.ddpm4j.SettingException ex) {
            throw InvalidRequestException.of(ex);
        }
    }

    private Evaluation.Result evaluateValidated(Evaluation e, java.io.PrintStream log, GenerationListener listener) {
        int total = evaluationImages(e);
        if (!e.realImages()) {
            steps(e.settings()); // checks the settings before the meter trains
            samplerSettings(e.settings());
        }
        try (Scorer scorer = scorer(e.meter(), log)) {
            long t0 = System.nanoTime();
            Evaluation.Part part = evaluatePart(e, scorer, 0, total, listener);
            double secs = (System.nanoTime() - t0) / 1e9;
            return evaluateParts(e, scorer, List.of(part), secs);
        }
    }

    /**
     * The images an evaluation draws and scores: its count, times the number of classes for a class-conditional
     * run scored on every class. {@link #evaluatePart} takes slices of this range.
     */
    public int evaluationImages(Evaluation e) {
        try {
            int[] classes = evaluationClasses(e);
            return classes == null ? e.count() : classes.length;
        } catch (org.ddpm4j.SettingException ex) {
            throw InvalidRequestException.of(ex);
        }
    }

    /** The class of each image an evaluation draws, or null for an unconditional run. */
    private int[] evaluationClasses(Evaluation e) {
        Generation g = e.settings();
        if (g.sliced()) {
            throw new InvalidRequestException("settings", "an evaluation draws whole requests: its slices are evaluatePart's");
        }
        // a conditional run scores n of every class unless one is named; an unconditional run refuses any class
        return classes(g, e.count(), run.model().conditional() || g.everyClass());
    }

    /**
     * The meter of this run's data (version 3, or 2): its classifier, trained and cached the first time (minutes,
     * reporting to {@code log}), loaded from the cache after. Close it when done; one scorer serves many
     * evaluations of runs on the same data.
     */
    public Scorer scorer(int meterVersion, java.io.PrintStream log) {
        try {
            org.ddpm4j.eval.Meter meter = org.ddpm4j.eval.Meter.of(meterVersion);
            org.ddpm4j.data.ImageSet all = run.loadData(log);
            return new Scorer(org.ddpm4j.eval.TrainedClassifier.forData(all, meter, log), all, run.train().data().spec());
        } catch (org.ddpm4j.SettingException ex) {
            throw InvalidRequestException.of(ex);
        }
    }

    /**
     * Draws images {@code from} to {@code to - 1} of evaluation {@code e} (see {@link #evaluationImages}) and
     * scores them with {@code scorer}'s classifier: parts of one evaluation, drawn anywhere (a distributed job's
     * partitions), merge by {@link #evaluateParts} into the evaluation's scores. Parts that start at multiples of
     * the settings' batch and of {@link Evaluation#BATCH} draw and read the images exactly as one process does.
     */
    public Evaluation.Part evaluatePart(Evaluation e, Scorer scorer, int from, int to, GenerationListener listener) {
        try {
            return evaluatePartValidated(e, scorer, from, to, listener);
        } catch (org.ddpm4j.SettingException ex) {
            throw InvalidRequestException.of(ex);
        }
    }

    private Evaluation.Part evaluatePartValidated(Evaluation e, Scorer scorer, int from, int to, GenerationListener listener) {
        ModelConfig mc = run.model();
        Generation g = e.settings();
        int[] classes = evaluationClasses(e);
        int total = classes == null ? e.count() : classes.length;
        if (!(from >= 0 && from < to && to <= total)) {
            throw new InvalidRequestException("slice", "needs 0 <= from < to <= " + total + ", got " + from + ".." + to);
        }
        int n = to - from;
        scorer.check(run);
        Integer trainedDigit = run.train().data().digit();
        int digit = trainedDigit == null ? -1 : trainedDigit;
        org.ddpm4j.data.ImageSet all = scorer.data;
        float[] images;
        if (e.realImages()) {
            float[] whole = classes == null ? org.ddpm4j.eval.Evaluator.randomReal(digit < 0 ? all : all.filterLabel(digit), total, g.seed())
                    : org.ddpm4j.eval.Evaluator.realOfClasses(all, classes, mc.classes(), g.seed());
            int per = mc.channels() * mc.size() * mc.size();
            images = Arrays.copyOfRange(whole, from * per, to * per);
        } else {
            images = draw(g.toBuilder().count(e.count()).slice(from, to).build(), classes, listener);
        }
        org.ddpm4j.eval.TrainedClassifier.Output out = scorer.classifier.run(images, n, mc.channels(), mc.size());
        int k = classes == null ? 1 : mc.classes(); // an unconditional run counts hits of its training digit only
        int[] ok = new int[k];
        int[] cnt = new int[k];
        int[] predicted = new int[scorer.classifier.classes()];
        for (int i = 0; i < n; i++) {
            int want = classes == null ? digit : classes[from + i];
            int slot = classes == null ? 0 : want;
            int p = out.predictions()[i];
            predicted[p]++;
            cnt[slot]++;
            ok[slot] += p == want ? 1 : 0;
        }
        return new Evaluation.Part(n, org.ddpm4j.eval.FeatureSums.of(out.features(), n, org.ddpm4j.eval.Classifier.FEATURES), ok, cnt,
                predicted);
    }

    /**
     * The scores of evaluation {@code e} from its parts ({@link #evaluatePart}), which must cover its images once
     * each: FID from the merged feature statistics (exact), accuracy from the merged counts. {@code seconds} is the
     * time it took to draw them, for the speed in the result.
     */
    public Evaluation.Result evaluateParts(Evaluation e, Scorer scorer, List<Evaluation.Part> parts, double seconds) {
        try {
            return evaluatePartsValidated(e, scorer, parts, seconds);
        } catch (org.ddpm4j.SettingException ex) {
            throw InvalidRequestException.of(ex);
        }
    }

    private Evaluation.Result evaluatePartsValidated(Evaluation e, Scorer scorer, List<Evaluation.Part> parts, double seconds) {
        ModelConfig mc = run.model();
        Generation g = e.settings();
        int[] classes = evaluationClasses(e);
        int total = classes == null ? e.count() : classes.length;
        scorer.check(run);
        Evaluation.Part sum = Evaluation.Part.sum(parts);
        if (sum.images() != total) {
            throw new InvalidRequestException("parts", "cover " + sum.images() + " images, the evaluation has " + total);
        }
        int one = g.classChoice().isPresent() ? classes[0] : -1; // the one class scored, or -1
        Integer trainedDigit = run.train().data().digit();
        int digit = trainedDigit == null ? -1 : trainedDigit;
        org.ddpm4j.data.ImageSet all = scorer.data;
        int meter = scorer.classifier.meter().version();
        double held = scorer.classifier.heldOutAccuracy();
        if (classes == null) {
            org.ddpm4j.data.ImageSet real = digit < 0 ? all : all.filterLabel(digit);
            double fid = org.ddpm4j.eval.Frechet.distance(sum.features().stats(), scorer.realStats(real, digit));
            double acc = digit < 0 ? Double.NaN : (double) sum.hits()[0] / total;
            return new Evaluation.Result(fid, acc, List.of(), total, total / seconds, meter, held, real.description(), digit);
        }
        int k = mc.classes();
        List<Double> perClass = new java.util.ArrayList<>();
        double acc = 0;
        int scored = 0;
        for (int c = 0; c < k; c++) {
            double a = sum.counts()[c] == 0 ? Double.NaN : (double) sum.hits()[c] / sum.counts()[c];
            perClass.add(a);
            if (sum.counts()[c] > 0) {
                acc += a;
                scored++;
            }
        }
        org.ddpm4j.data.ImageSet real = one < 0 ? all : all.filterLabel(one);
        double fid = org.ddpm4j.eval.Frechet.distance(sum.features().stats(), scorer.realStats(real, one));
        return new Evaluation.Result(fid, acc / scored, perClass, total, total / seconds, meter, held, real.description(), -1);
    }

    /**
     * The quality meter of one dataset, open: its classifier (native memory until {@link #close}) and the real
     * images' feature statistics, computed once per reference set. Made by {@link DiffusionModel#scorer}; not
     * thread-safe.
     */
    public static final class Scorer implements AutoCloseable {
        private final org.ddpm4j.eval.TrainedClassifier classifier;
        private final org.ddpm4j.data.ImageSet data;
        private final String dataSpec;
        private final java.util.Map<Integer, org.ddpm4j.eval.Frechet.Stats> real = new java.util.HashMap<>();

        private Scorer(org.ddpm4j.eval.TrainedClassifier classifier, org.ddpm4j.data.ImageSet data, String dataSpec) {
            this.classifier = classifier;
            this.data = data;
            this.dataSpec = dataSpec;
        }

        /** Refuses a run trained on other data than this scorer's. */
        private void check(Run run) {
            if (!run.train().data().spec().equals(dataSpec)) {
                throw new InvalidRequestException("scorer", "reads data " + dataSpec + " but the run " + run.dir() + " was trained on "
                        + run.train().data().spec());
            }
        }

        /** The meter's version. */
        public int meter() {
            return classifier.meter().version();
        }

        /** The share of real images held out from the classifier's training that it reads right. */
        public double heldOutAccuracy() {
            return classifier.heldOutAccuracy();
        }

        private org.ddpm4j.eval.Frechet.Stats realStats(org.ddpm4j.data.ImageSet set, int label) {
            return real.computeIfAbsent(label, l -> org.ddpm4j.eval.Evaluator.realStats(classifier, set));
        }

        @Override
        public void close() {
            classifier.close();
        }
    }

    /** The data the run was trained on, as {@code --data} named it ({@code mnist}, {@code idx:DIR}, a folder...). */
    public String dataSpec() {
        return run.train().data().spec();
    }

    /** The kind of network: {@code unet}, or {@code seed} for the seed's small conv net. */
    public String architecture() {
        return run.model().type();
    }

    /** {@code steps}, if the run's T allows that many network calls. */
    private int withinT(int steps) {
        if (steps > run.diffusion().steps()) {
            throw new InvalidRequestException("steps", "must be in 1.." + run.diffusion().steps() + " (the run's T), got " + steps);
        }
        return steps;
    }

    private void checkSize(String field, java.awt.image.BufferedImage picture) {
        int size = run.model().size();
        if (picture.getWidth() != size || picture.getHeight() != size) {
            throw new InvalidRequestException(field, "is " + picture.getWidth() + "x" + picture.getHeight()
                    + " but the model makes " + size + "x" + size + " images");
        }
    }

    private int resolveClass(String choice) {
        if (!run.model().conditional()) {
            throw new InvalidRequestException("class", "this model is not class-conditional: it cannot draw a chosen class");
        }
        try {
            return ClassChoice.index(choice, run.model().classes(), run.classNames());
        } catch (org.ddpm4j.DdpmException e) {
            throw new InvalidRequestException("class", e.getMessage());
        }
    }

    @Override
    public void close() {
        net.close();
        manager.close();
    }
}
