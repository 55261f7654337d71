package org.ddpm4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.ddpm4j.DdpmException;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.diffusion.Prediction;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.util.Noise;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;

/**
 * The training loop: for each batch a {@link TrainingTask} makes the network's inputs and target (by default
 * DDPM's, Ho et al. 2020, Algorithm 1, as in the seed: t uniform in 0..T-1, Gaussian noise, x_t in closed form),
 * and the loop minimises the (optionally weighted) MSE between the network's output and the target; then AdamW
 * with warm-up and cosine decay, global-norm gradient clipping and an EMA of the weights, as configured.
 *
 * <p>Each step runs inside an {@link NDScope}, so native memory stays flat over any number of steps. All
 * randomness comes from one {@link Rng} whose state, with the data order and the optimizer and EMA
 * tensors, is the trainer's whole state: restoring it continues a run exactly.
 */
public final class DiffusionTrainer {

    /** Steps timed before a --minutes budget is turned into a first, provisional step count. */
    static final int CALIBRATION_STEPS = 20;
    /**
     * The earliest step at which a --minutes budget's step count is estimated again. The first steps run slower
     * (memory and kernel caches warming up; half speed on a 2-core machine), so an estimate from them alone leaves
     * much of the budget unused. The count is estimated again as late as the learning rate allows: at the end of
     * the warm-up (before the cosine decay, whose rates depend on the total, begins), and not before this step,
     * from the wall time of the second half of the steps before it (sample grids and checkpoints included). It is
     * fixed from then on, so a resumed run continues exactly.
     */
    static final int RECALIBRATION_STEP = 100;

    /** The clock the budget is measured with (nanoseconds); replaceable in tests. */
    java.util.function.LongSupplier clock = System::nanoTime;

    private final Denoiser model;
    private final GaussianDiffusion diffusion;
    private final TrainConfig config;
    private final Rng rng;
    private final ImageSet data;
    private final Adam optimizer;
    private final Ema ema;
    private final java.util.List<Ema> powerEmas = new java.util.ArrayList<>();
    private final TrainingTask task;

    private long step;
    private long totalSteps;
    private int epoch;
    private int cursor;
    private int[] order;
    private double trainSeconds;
    private double wallSeconds; // of the budget: steps, batches and hooks, over every process of the run
    private double plannedSeconds = Double.NaN;
    private long skipped;
    private long skippedGradients;
    private double lastGradNorm = Double.NaN;

    /** A trainer of DDPM's denoising objective ({@link DenoisingTask}). */
    public DiffusionTrainer(Denoiser model, GaussianDiffusion diffusion, TrainConfig config, Rng rng, ImageSet data) {
        this(model, diffusion, config, rng, data, new DenoisingTask(diffusion, config));
    }

    /** A trainer of {@code task}'s regression, with {@code config}'s optimiser, budget and data settings. */
    public DiffusionTrainer(Denoiser model, GaussianDiffusion diffusion, TrainConfig config, Rng rng, ImageSet data, TrainingTask task) {
        this.model = model;
        this.task = task;
        this.diffusion = diffusion;
        this.config = config;
        this.rng = rng;
        this.data = data;
        this.optimizer = new Adam(model, 0.9, 0.999, 1e-8, config.optimiser().weightDecay());
        this.ema = config.optimiser().emaDecay() > 0 ? new Ema(model, config.optimiser().emaDecay()) : null;
        for (double std : config.optimiser().emaStds()) {
            powerEmas.add(Ema.power(model, std));
        }
        if (config.budget().epochs() > 0) {
            totalSteps = stepsPerEpoch(data.size(), config.optimiser().batchSize()) * config.budget().epochs();
        } else if (config.budget().steps() > 0) {
            totalSteps = config.budget().steps();
        }
        primeGradients(model);
        optimizer.zeroGradients();
    }

    /**
     * Gives every weight its own zero gradient tensor before the first real backward pass, so that every
     * backward adds into gradient buffers that already exist. Without it the first backward in a process
     * (when PyTorch's AccumulateGrad may adopt an incoming gradient tensor instead of adding into one of its
     * own) gave a different update than later steps, and a run resumed in a new process drifted from the
     * uninterrupted run from the second step after its checkpoint ({@code KillTest} found it;
     * {@code CrashSafetyTest.aRunResumedInANewProcessEqualsTheUninterruptedOne} keeps it fixed).
     */
    private static void primeGradients(Denoiser net) {
        try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(net.flatWeights().flat().mul(0f).sum());
        }
    }

    private final java.util.List<Denoiser> replicas = new java.util.ArrayList<>();

    /**
     * Data parallelism over several devices of one machine: {@code replica} (the same network, on its own manager
     * and device) computes the gradients of a share of every batch. Each step draws all per-sample randomness for the
     * whole batch first, splits the batch into contiguous parts (the model's first, then each replica's in the order
     * added), sums the parts' gradients onto the model's device and applies one update there (clipping, AdamW, the
     * EMAs), then copies the new weights to every replica: the result equals one device with the whole batch, up to
     * the float rounding of a sum taken in parts. The replica's weights are set to the model's now; it holds no state
     * of its own, so checkpoints and resume are unchanged. Dropout, which draws in the engine, differs by part.
     */
    public void addReplica(Denoiser replica) {
        if (!replica.config().equals(model.config())) {
            throw new IllegalArgumentException("a replica must be the same network: " + replica.config() + " is not " + model.config());
        }
        replicas.add(replica);
        primeGradients(replica); // gradient buffers exist before the first step, as the model's do
        zero(replica.flatWeights().gradient());
        copyWeightsToReplicas();
    }

    /** Zeroes a replica's gradient as the optimizer zeroes the model's: a NaN or infinite entry is zeroed too. */
    private static void zero(NDArray g) {
        Tensors.withoutGrad(() -> {
            Adam.zero(g);
            return null;
        });
    }

    /** The model's weights into every replica's (one copy per replica of the flat buffer). */
    private void copyWeightsToReplicas() {
        NDArray flat = model.flatWeights().flat();
        for (Denoiser r : replicas) {
            NDArray target = r.flatWeights().flat();
            Tensors.withoutGrad(() -> {
                try (NDArray src = flat.toDevice(target.getDevice(), true)) {
                    target.set(new ai.djl.ndarray.index.NDIndex(":"), src);
                }
                return null;
            });
        }
    }

    /**
     * Forward and backward of {@code batch} split across the model and its replicas; leaves the summed gradient in
     * the model's flat gradient and returns the batch's loss (the mean over all its images, as one device computes it).
     */
    private double parallelForwardBackward(TrainingTask.Batch batch, int b) {
        int parts = 1 + replicas.size();
        java.util.List<NDArray> losses = new java.util.ArrayList<>();
        for (int k = 0; k < parts; k++) {
            int lo = (int) ((long) b * k / parts);
            int hi = (int) ((long) b * (k + 1) / parts);
            if (hi == lo) {
                continue;
            }
            Denoiser net = k == 0 ? model : replicas.get(k - 1);
            ai.djl.Device d = net.manager().getDevice();
            String rows = lo + ":" + hi;
            NDArray xt = part(batch.xt(), rows, d);
            NDArray t = part(batch.t(), rows, d);
            NDArray cls = batch.classes() == null ? null : part(batch.classes(), rows, d);
            NDArray target = part(batch.target(), rows, d);
            NDArray weights = batch.weights() == null ? null : part(batch.weights(), rows, d);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray pred = net.forward(xt, t, cls, true);
                NDArray sq = pred.sub(target).square();
                // this part's share of the whole batch's mean, so that the parts' gradients sum to the batch's
                NDArray loss = weights == null ? sq.sum().div((float) b * (sq.size() / (hi - lo)))
                        : sq.reshape(hi - lo, -1).mean(new int[] {1}).mul(weights).sum().div((float) b);
                gc.backward(loss);
                losses.add(loss);
            }
        }
        NDArray g = model.flatWeights().gradient();
        for (Denoiser r : replicas) {
            NDArray rg = r.flatWeights().gradient();
            Tensors.withoutGrad(() -> g.addi(rg.toDevice(g.getDevice(), false)));
            zero(rg);
        }
        double sum = 0; // read after every part was queued, so that devices run their parts at the same time
        for (NDArray l : losses) {
            sum += l.getFloat();
        }
        return sum;
    }

    /** Rows {@code rows} of {@code a}, on device {@code d}. */
    private static NDArray part(NDArray a, String rows, ai.djl.Device d) {
        return a.get(rows).toDevice(d, false);
    }

    /** Updates applied by this trainer object (not counting those before a resume). */
    private long updatesHere;

    /** True if every value is finite and below 1e4 in size (images are in [-1, 1]; larger can overflow). */
    private static boolean allFinite(float[] a) {
        for (float v : a) {
            if (!Float.isFinite(v) || Math.abs(v) > 1e4f) {
                return false;
            }
        }
        return true;
    }

    private boolean weightsFinite() {
        for (Denoiser.NamedParameter p : model.parameters()) {
            if (!allFinite(p.array().toFloatArray())) {
                return false;
            }
        }
        return true;
    }

    /**
     * The error for a non-finite loss. With no update applied yet, and inputs and weights all finite and below
     * 1e4 in size, the learning rate cannot be the cause and a sound network cannot overflow: the defect is in
     * a native kernel (see docs/results/onednn-convolution.md). Otherwise training diverged.
     */
    static DdpmException nonFiniteLoss(double loss, long step, boolean noUpdateYet, boolean inputsAndWeightsSound) {
        if (noUpdateYet && inputsAndWeightsSound) {
            return new DdpmException("the network gave a non-finite loss (" + loss + ") at step " + step
                    + " from finite inputs and weights before any update: a native kernel defect, not the"
                    + " learning rate (oneDNN instruction set: " + org.ddpm4j.util.OneDnn.setting()
                    + "; try ONEDNN_MAX_CPU_ISA=AVX2, see docs/results/onednn-convolution.md;"
                    + " pass {skip-nonfinite} to skip such batches)");
        }
        return new DdpmException("training diverged: the loss is " + loss + " at step " + step
                + " (lower {lr}, or pass {skip-nonfinite} to skip such batches)");
    }

    /** Steps per epoch: ceil(N / batch), the last batch may be short (DataLoader's drop_last=False). */
    public static long stepsPerEpoch(int images, int batch) {
        return (images + batch - 1) / batch;
    }

    /** Called after every step, for checkpoints and sample grids. */
    @FunctionalInterface
    public interface StepHook {
        void afterStep(DiffusionTrainer trainer);
    }

    /** Mirrors one (C, H, W) image in place, left to right. */
    static void flipHorizontally(float[] x, int off, int channels, int height, int width) {
        for (int row = 0; row < channels * height; row++) {
            int a = off + row * width;
            for (int i = 0, j = width - 1; i < j; i++, j--) {
                float t = x[a + i];
                x[a + i] = x[a + j];
                x[a + j] = t;
            }
        }
    }

    /** The parts of a training step that {@link #phaseNanos()} times. */
    public enum Phase {
        /** Assembling the batch in Java: copying images, flips, labels. */
        BATCH,
        /** Timesteps, noise, x_t and the target: the closed-form noising. */
        NOISING,
        /** The network's forward pass and the loss. */
        FORWARD,
        /** The backward pass (and reading the loss back). */
        BACKWARD,
        /** The global gradient norm. */
        GRADIENT_NORM,
        /** Scaling the gradients down to the clip norm. */
        CLIPPING,
        /** The Adam update. */
        OPTIMIZER,
        /** The EMA update of the weights. */
        EMA,
        /** Freeing the step's tensors (closing its scope). */
        CLEANUP
    }

    private final long[] phaseNanos = new long[Phase.values().length];

    /** Nanoseconds spent in each {@link Phase} since the trainer was made (index = ordinal); a copy. */
    public long[] phaseNanos() {
        return phaseNanos.clone();
    }

    private long mark(Phase p, long since) {
        long now = System.nanoTime();
        phaseNanos[p.ordinal()] += now - since;
        return now;
    }

    /** Trains until the budget is spent. */
    public void run(TrainListener listener, StepHook hook) {
        org.ddpm4j.util.NativeMemory.keepFreedPages(); // each step reuses the last step's pages (see there)
        double ips = 0;
        long loopStart = clock.getAsLong();
        double wallBefore = wallSeconds;
        long recalibrateAt = recalibrationStep();
        while (totalSteps == 0 || step < totalSteps) {
            if (order == null || cursor >= order.length) {
                if (order != null) {
                    epoch++;
                }
                order = rng.permutation(data.size());
                cursor = 0;
            }
            long tb = System.nanoTime();
            int b = Math.min(config.optimiser().batchSize(), order.length - cursor);
            int per = data.imageSize();
            float[] x = new float[b * per];
            float[] labels = config.conditioning().conditional() ? new float[b] : null;
            for (int i = 0; i < b; i++) {
                data.copyImage(order[cursor + i], x, i * per);
                if (config.data().hflip() && rng.nextDouble() < 0.5) {
                    flipHorizontally(x, i * per, data.channels(), data.height(), data.width());
                }
                if (labels != null) {
                    labels[i] = data.label(order[cursor + i]);
                }
            }
            cursor += b;
            mark(Phase.BATCH, tb);
            long t0 = clock.getAsLong();
            double loss = step(x, new Shape(b, data.channels(), data.height(), data.width()), labels);
            long now = clock.getAsLong();
            double secs = (now - t0) / 1e9;
            trainSeconds += secs;
            wallSeconds = wallBefore + (now - loopStart) / 1e9;
            double rate = b / Math.max(secs, 1e-9);
            ips = ips == 0 ? rate : 0.95 * ips + 0.05 * rate;
            if (totalSteps == 0 || nextEstimate >= step) { // no total yet, or a provisional one
                calibrate(now, recalibrateAt);
            }
            listener.onStep(step, totalSteps, epoch, loss, ips); // total 0 while a --minutes budget calibrates
            hook.afterStep(this);
            wallSeconds = wallBefore + (clock.getAsLong() - loopStart) / 1e9;
        }
    }

    /** The budget clock at the end of each step up to the last estimate (while a --minutes budget is provisional). */
    private long[] clockAt;
    private long nextEstimate; // the step of the next estimate while the total is provisional

    /**
     * Turns a --minutes budget into a step count: a first estimate at step 20 from steps 6-20, then, while the
     * learning rates seen so far do not depend on the total, again at the provisional total or at
     * {@code recalibrateAt}, whichever comes first, from the second half of the steps before it, until the
     * count is fixed at {@code recalibrateAt} or the provisional total is reached.
     */
    private void calibrate(long now, long recalibrateAt) {
        if (clockAt == null) {
            clockAt = new long[(int) Math.max(CALIBRATION_STEPS, recalibrateAt) + 1];
            java.util.Arrays.fill(clockAt, Long.MIN_VALUE); // steps before this process (a resumed run) are unknown
        }
        if (step < clockAt.length) {
            clockAt[(int) step] = now;
        }
        boolean first = totalSteps == 0;
        if (first ? step < CALIBRATION_STEPS : step != nextEstimate) {
            return;
        }
        long from = first ? 5 : step / 2;
        while (from < step && clockAt[(int) from] == Long.MIN_VALUE) {
            from++;
        }
        if (from == step) {
            nextEstimate = step + 1; // no window in this process yet
            return;
        }
        totalSteps = plan((now - clockAt[(int) from]) / 1e9 / (step - from));
        nextEstimate = Math.min(recalibrateAt, totalSteps);
        if (nextEstimate <= step) { // fixed from here on: nextEstimate stays behind step
            clockAt = null;
        }
    }

    /**
     * The step at which a --minutes budget is estimated for the last time: the end of the warm-up, or
     * {@link #RECALIBRATION_STEP} if that is later, provided the learning rates up to it do not depend on the
     * total; 0 for none (cosine decay from the first step).
     */
    long recalibrationStep() {
        long at = Math.max(RECALIBRATION_STEP, config.optimiser().warmupSteps());
        return task.totalMayChangeUntil(config.optimiser(), at) ? at : 0;
    }

    private java.util.function.DoubleUnaryOperator reserve = perStep -> 0;
    private double reservedSeconds;

    /** The seconds of the --minutes budget the last step-count estimate kept for work after training (0: none). */
    public double reservedSeconds() {
        return reservedSeconds;
    }

    /**
     * Keeps part of a --minutes budget for work after the last step (choosing the weights): the seconds it will
     * take, given the seconds a training step takes. Set before {@link #run}; it counts only while the step count is
     * being estimated.
     */
    public void reserveAfterTraining(java.util.function.DoubleUnaryOperator secondsGivenStep) {
        this.reserve = secondsGivenStep;
    }

    /** The step count that spends the rest of the --minutes budget (less the reserve) at {@code perStep} seconds a step. */
    private long plan(double perStep) {
        reservedSeconds = reserve.applyAsDouble(perStep);
        double budget = config.budget().minutes() * 60 - reservedSeconds;
        long total = step + Math.max(0, (long) ((budget - wallSeconds) / perStep));
        plannedSeconds = wallSeconds + (total - step) * perStep;
        return total;
    }

    /**
     * One optimizer step on a batch of clean images x0 in [-1, 1], (B, C, H, W).
     *
     * @return the batch's loss (NaN for a skipped non-finite batch)
     */
    public double step(float[] x0Data, Shape shape) {
        return step(x0Data, shape, null);
    }

    /**
     * One optimizer step of a class-conditional network: each label is dropped (set to -1, "no class")
     * with probability p_uncond, so the same network learns the unconditional model too.
     */
    public double step(float[] x0Data, Shape shape, float[] labels) {
        long[] last = {System.nanoTime()};
        try {
            return step(x0Data, shape, labels, last);
        } finally {
            mark(Phase.CLEANUP, last[0]); // after the step's scope is closed
        }
    }

    private double step(float[] x0Data, Shape shape, float[] labels, long[] last) {
        task.beforeStep(step, totalSteps);
        try (NDScope scope = new NDScope()) {
            NDManager m = model.manager();
            int b = (int) shape.get(0);
            TrainingTask.Batch batch = task.batch(Tensors.fromJava(m, x0Data, shape), labels, rng);
            NDArray target = batch.target();
            NDArray weights = batch.weights();
            double lossValue;
            last[0] = mark(Phase.NOISING, last[0]);
            if (!replicas.isEmpty()) {
                lossValue = parallelForwardBackward(batch, b);
            } else try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray pred = model.forward(batch.xt(), batch.t(), batch.classes(), true);
                NDArray sq = pred.sub(target).square();
                NDArray loss = weights == null ? sq.mean() // F.mse_loss
                        : sq.reshape(b, -1).mean(new int[] {1}).mul(weights).mean();
                last[0] = mark(Phase.FORWARD, last[0]);
                gc.backward(loss);
                lossValue = loss.getFloat();
            }
            last[0] = mark(Phase.BACKWARD, last[0]);
            step++;
            if (!Double.isFinite(lossValue)) {
                if (!config.objective().skipNonFinite()) {
                    boolean before = updatesHere == 0;
                    throw nonFiniteLoss(lossValue, step, before, before && allFinite(x0Data) && weightsFinite());
                }
                optimizer.zeroGradients();
                skipped++;
                return Double.NaN;
            }
            // a non-finite gradient with a finite loss (a float overflow in backward) must never reach the
            // weights: skip the update, as a loss scaler does, and count it
            lastGradNorm = gradientNorm();
            last[0] = mark(Phase.GRADIENT_NORM, last[0]);
            if (!Double.isFinite(lastGradNorm)) {
                optimizer.zeroGradients();
                skippedGradients++;
                return lossValue;
            }
            if (config.optimiser().gradClip() > 0 && lastGradNorm > config.optimiser().gradClip()) {
                float scale = (float) (config.optimiser().gradClip() / (lastGradNorm + 1e-6));
                model.flatWeights().gradient().muli(scale);
            }
            last[0] = mark(Phase.CLIPPING, last[0]);
            optimizer.step(task.learningRate(config.optimiser(), step, Math.max(totalSteps, step)));
            updatesHere++;
            last[0] = mark(Phase.OPTIMIZER, last[0]);
            if (ema != null) {
                ema.update();
            }
            for (Ema p : powerEmas) {
                p.update();
            }
            copyWeightsToReplicas();
            last[0] = mark(Phase.EMA, last[0]);
            return lossValue;
        }
    }

    /** The min-SNR-gamma weights of DDPM's objective for these timesteps (see {@link DenoisingTask}). */
    float[] lossWeights(int[] t) {
        return new DenoisingTask(diffusion, config).lossWeights(t);
    }

    /** The global L2 norm of all gradients (NaN or infinite if any gradient is): one reduction of the flat gradient. */
    private double gradientNorm() {
        return Math.sqrt(model.flatWeights().gradient().square().sum().getFloat());
    }

    /** Updates skipped because a gradient was NaN or infinite while the loss was finite. */
    public long skippedGradients() {
        return skippedGradients;
    }

    public long stepCount() {
        return step;
    }

    public long totalSteps() {
        return totalSteps;
    }

    public int epoch() {
        return epoch;
    }

    /** Seconds spent inside optimizer steps, over every process of the run. */
    public double trainSeconds() {
        return trainSeconds;
    }

    /** Seconds of the run's budget spent so far: steps, batches, sample grids and checkpoints, over every process. */
    public double wallSeconds() {
        return wallSeconds;
    }

    /** The seconds a --minutes budget was planned to take when its step count was last estimated; NaN for none. */
    public double plannedSeconds() {
        return plannedSeconds;
    }

    /** Restores the budget's clock (absent from older checkpoints: then the step time stands in). */
    public void restoreBudget(double wallSeconds, double plannedSeconds) {
        this.wallSeconds = wallSeconds;
        this.plannedSeconds = plannedSeconds;
    }

    public long skippedBatches() {
        return skipped;
    }

    public double lastGradNorm() {
        return lastGradNorm;
    }

    public Adam optimizer() {
        return optimizer;
    }

    /** The optimiser settings this trainer runs with. */
    public TrainConfig.Optimiser optimiser() {
        return config.optimiser();
    }

    /** EDM2's power-function EMAs, one per sigma_rel of the config's {@code emaStds}, in that order. */
    public java.util.List<Ema> powerEmas() {
        return powerEmas;
    }

    /** The EMA, or null when the config has none. */
    public Ema ema() {
        return ema;
    }

    public Denoiser model() {
        return model;
    }

    public Rng rng() {
        return rng;
    }

    /** The position in the data: current epoch's order and how far into it. */
    public int[] order() {
        return order;
    }

    public int cursor() {
        return cursor;
    }

    /** Restores the counters saved by a checkpoint (tensors are restored by the caller). */
    public void restoreCounters(long step, long totalSteps, int epoch, int cursor, int[] order, double trainSeconds, long skipped) {
        if (order != null && order.length != data.size()) {
            throw new DdpmException("the checkpoint was trained on " + order.length + " images but the data now has "
                    + data.size() + "; resume with the same {data} and {digit}");
        }
        this.step = step;
        this.totalSteps = totalSteps;
        this.epoch = epoch;
        this.cursor = cursor;
        this.order = order;
        this.trainSeconds = trainSeconds;
        this.skipped = skipped;
    }
}
