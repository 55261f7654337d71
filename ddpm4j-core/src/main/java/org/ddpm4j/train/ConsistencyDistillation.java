package org.ddpm4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.sampler.TimestepSpacing;
import org.ddpm4j.util.Noise;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;

/**
 * Consistency distillation (Song et al., arXiv 2303.01469, Algorithm 2) on a coarse grid: the student learns a
 * consistency function f(x_t, t), the clean image at the end of the teacher's probability-flow trajectory through
 * x_t, so that one network call from pure noise gives an image and a few calls (the consistency sampler:
 * jump to x0, noise afresh to the next time point, jump again) refine it.
 *
 * <p>The grid is the K trailing time points t_0 > ... > t_{K-1} followed by the clean end t_K = -1. Each
 * interval is crossed by the teacher in {@code substeps} deterministic DDIM steps on the trailing points of
 * K * substeps (a more accurate solver than the paper's one Heun step, so that a coarse grid needs only K hops of
 * self-consistency to reach the data). For each image: a grid index k, x_{t_k} = alpha x + sigma eps from the
 * data, the teacher's solution x^_{t_{k+1}} of the interval, and the x0 target
 * <pre>f^-(x^_{t_{k+1}}, t_{k+1})   (the student's own x0 at the next point, without gradients), or
 * x^_{-1}                       (the teacher's clean image, on the last interval)</pre>
 * The target network is the student itself with gradients stopped (mu = 0, as in improved consistency training,
 * arXiv 2310.14189, and ECT, arXiv 2406.14548), so no EMA copy is kept; the boundary condition f(x, -1) = x holds
 * by construction, since the last interval's target is the teacher's image. The loss is the x0 error weighted by
 * the truncated SNR, as in {@link ProgressiveDistillation}; the learning rate warms up over {@link #WARMUP}
 * updates and decays linearly to 0 at the end of the run.
 */
public final class ConsistencyDistillation extends TeacherTask {

    private final int points;
    private final int substeps;
    private final int[] grid;
    private final int[] fine;

    /**
     * @param student the network being trained (the teacher's weights at the start)
     * @param teacher a network of the same config holding the teacher's weights; owned by the caller
     * @param points K, the grid's time points (the most network calls the student samples with)
     * @param substeps the teacher's DDIM steps per grid interval
     * @param guidance the teacher's classifier-free guidance scale (0: none; ignored for an unconditional network)
     * @param clipX0 clip predicted x0 to [-1, 1], as the samplers do
     */
    public ConsistencyDistillation(Denoiser student, Denoiser teacher, GaussianDiffusion diffusion, TrainConfig config,
            int points, int substeps, double guidance, boolean clipX0) {
        super(student, teacher, diffusion, config, guidance, clipX0);
        int steps = diffusion.schedule().steps();
        check(points, substeps, steps);
        this.points = points;
        this.substeps = substeps;
        this.grid = TimestepSpacing.TRAILING.timesteps(steps, points);
        this.fine = TimestepSpacing.TRAILING.timesteps(steps, points * substeps);
        for (int k = 0; k < points; k++) {
            if (fine[k * substeps] != grid[k]) {
                throw new IllegalStateException("the trailing points of " + points * substeps + " steps do not refine those of " + points);
            }
        }
    }

    /** Checks the grid and the teacher's steps against T. */
    public static void check(int points, int substeps, int trainSteps) {
        if (points < 1 || points > trainSteps) {
            throw new org.ddpm4j.SettingException("steps", "must be in 1.." + trainSteps + ", got " + points);
        }
        if (substeps < 1 || (long) points * substeps > trainSteps) {
            throw new org.ddpm4j.SettingException("teacher-steps", "must be a multiple of the steps (" + points + ") within " + trainSteps
                    + ", got " + (long) points * substeps);
        }
    }

    /** The grid's time points, t_0 > ... > t_{K-1} (the clean end -1 not included). */
    public int[] grid() {
        return grid.clone();
    }

    @Override
    public double learningRate(TrainConfig.Optimiser o, long step, long total) {
        return total <= 0 ? o.learningRate() * Math.min(1.0, (double) step / WARMUP) : warmupLinear(o.learningRate(), step, 0, total);
    }

    @Override
    public boolean totalMayChangeUntil(TrainConfig.Optimiser o, long steps) {
        return false; // the decay is placed by the total
    }

    @Override
    public Batch batch(NDArray x0, float[] labels, Rng rng) {
        Tensors.inferenceOnThisThread(); // the teacher's steps and the target record no gradients
        NDManager m = x0.getManager();
        int b = (int) x0.getShape().get(0);
        int[] k = new int[b];
        int[] t = new int[b];
        int[] next = new int[b];
        int[] at = new int[b]; // where the student is asked for its target: t_{k+1}, or 0 at the clean end (masked out)
        float[] end = new float[b]; // 1 where the interval ends at the clean image
        for (int i = 0; i < b; i++) {
            k[i] = rng.nextInt(points);
            t[i] = grid[k[i]];
            next[i] = k[i] + 1 < points ? grid[k[i] + 1] : -1;
            end[i] = next[i] < 0 ? 1f : 0f;
            at[i] = Math.max(0, next[i]);
        }
        NDArray noise = Noise.randn(rng, m, x0.getShape());
        NDArray xt = diffusion.addNoise(x0, noise, t);
        NDArray cls = labels == null ? null : Tensors.fromJava(m, DenoisingTask.dropLabels(labels, config.conditioning().pUncond(), rng));
        // 1. the teacher across the interval: substeps DDIM steps t_k -> ... -> t_{k+1}
        NDArray x = xt;
        int[] from = t;
        for (int j = 0; j < substeps; j++) {
            int[] to = new int[b];
            for (int i = 0; i < b; i++) {
                int f = k[i] * substeps + j + 1;
                to[i] = f < fine.length ? fine[f] : -1;
            }
            x = ddim(x, teacherOutput(x, from, cls), from, to);
            from = to;
        }
        // 2. the target: the student's own x0 at (x^, t_{k+1}), or x^ itself at the clean end
        NDArray own = x0Of(x, output(student, x, at, cls, 0), at);
        NDArray mask = Tensors.fromJava(m, end).reshape(b, 1, 1, 1);
        NDArray x0Target = mask.mul(x).add(mask.neg().add(1f).mul(own));
        return x0Batch(xt, t, cls, x0Target);
    }
}
