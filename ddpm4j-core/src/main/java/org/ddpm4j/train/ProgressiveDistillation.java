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
 * Progressive distillation (Salimans and Ho, arXiv 2202.00512, Algorithm 2): a student learns to take in one
 * deterministic DDIM step what its teacher takes in two, so that it samples in half the network calls; after
 * each round the student becomes the teacher of the next, halving the steps again.
 *
 * <p>Round r of R trains a student of {@code N_r = teacherSteps / 2^(r+1)} DDIM steps on the trailing time
 * points of N_r, whose midpoints are the trailing points of 2 N_r (the teacher's). For each image: a student
 * point t = t_i, x_t = alpha_t x + sigma_t eps from the data, two teacher DDIM steps t -> t' -> t'' (t'' the next
 * student point, or the clean image after the last), and the student's x0 target, the one whose single DDIM step
 * from x_t lands on the teacher's x_t'' (eq. 8 of the paper):
 * <pre>x~ = (x_t'' - (sigma_t'' / sigma_t) x_t) / (alpha_t'' - (sigma_t'' / sigma_t) alpha_t)</pre>
 * The loss is the x0 error weighted by the truncated SNR max(snr_t, 1), written in the network's own output
 * space: a target output and a per-image weight c_t^2 max(snr_t, 1), c_t = d x0 / d output.
 *
 * <p>The teacher of a class-conditional run is guided at scale {@code guidance} (classifier-free, its conditional
 * and unconditional branches in one call of 2B images): the student learns the guided teacher, so it samples
 * without guidance in one call per step. Labels are dropped with probability p_uncond as in training, and a
 * dropped image's target is the unguided teacher's, so the student keeps an unconditional branch.
 *
 * <p>The teacher is a frozen network of its own, run outside gradient recording; its weights are part of the
 * checkpoint ({@link #stateTensors}), so a resumed distillation continues exactly. The learning rate warms up
 * over {@link #WARMUP} updates, then decays linearly to 0 within each round, as the paper anneals it per round.
 */
public final class ProgressiveDistillation extends TeacherTask {

    private final int teacherSteps;
    private final int rounds;
    private int round;

    /**
     * @param student the network being trained (the teacher's weights at the start)
     * @param teacher a network of the same config holding the first round's teacher weights; owned by the caller
     * @param teacherSteps the teacher's DDIM steps in the first round (a power of 2 times the final count)
     * @param rounds the halvings: the student ends at {@code teacherSteps / 2^rounds} steps
     * @param guidance the teacher's classifier-free guidance scale (0: none; ignored for an unconditional network)
     * @param clipX0 clip the teacher's predicted x0 to [-1, 1] in its DDIM steps, as its sampler does
     */
    public ProgressiveDistillation(Denoiser student, Denoiser teacher, GaussianDiffusion diffusion, TrainConfig config,
            int teacherSteps, int rounds, double guidance, boolean clipX0) {
        super(student, teacher, diffusion, config, guidance, clipX0);
        check(teacherSteps, rounds, diffusion.schedule().steps());
        this.teacherSteps = teacherSteps;
        this.rounds = rounds;
    }

    /** Checks that {@code teacherSteps} halves {@code rounds} times into a whole number of steps within T. */
    public static void check(int teacherSteps, int rounds, int trainSteps) {
        if (rounds < 1 || rounds > 10) {
            throw new org.ddpm4j.SettingException("rounds", "must be in 1..10, got " + rounds);
        }
        if (teacherSteps < 2 || teacherSteps > trainSteps) {
            throw new org.ddpm4j.SettingException("teacher-steps", "must be in 2.." + trainSteps + ", got " + teacherSteps);
        }
        if (teacherSteps % (1 << rounds) != 0) {
            throw new org.ddpm4j.SettingException("teacher-steps", "must be the student's steps times 2^rounds: " + teacherSteps
                    + " does not halve " + rounds + " times");
        }
    }

    /** The student's DDIM steps in round {@code r} (0-based). */
    public int studentSteps(int r) {
        return teacherSteps >> (r + 1);
    }

    /** The round that step {@code step} (0-based) of {@code total} belongs to; 0 while the total is unknown. */
    public int roundOf(long step, long total) {
        if (total <= 0) {
            return 0;
        }
        long per = (total + rounds - 1) / rounds;
        return (int) Math.min(rounds - 1, step / per);
    }

    /** The round the teacher in memory belongs to. */
    public int round() {
        return round;
    }

    /** Sets the round of the teacher weights restored from a checkpoint. */
    public void restoreRound(int r) {
        this.round = r;
    }

    @Override
    public void beforeStep(long step, long total) {
        int r = roundOf(step, total);
        if (r != round) { // the student of the last round teaches the next
            for (int i = 0; i < teacher.parameters().size(); i++) {
                Tensors.copyInto(teacher.parameters().get(i).array(), student.parameters().get(i).array().toFloatArray());
            }
            round = r;
        }
    }

    @Override
    public double learningRate(TrainConfig.Optimiser o, long step, long total) {
        double lr = o.learningRate();
        if (total <= 0) {
            return lr * Math.min(1.0, (double) step / WARMUP);
        }
        long per = (total + rounds - 1) / rounds;
        int r = roundOf(step - 1, total);
        long start = r * per;
        long end = r == rounds - 1 ? total : start + per;
        return warmupLinear(lr, step, start, end);
    }

    @Override
    public boolean totalMayChangeUntil(TrainConfig.Optimiser o, long steps) {
        return false; // the rounds, and the decay within the first, are placed by the total
    }

    @Override
    public Batch batch(NDArray x0, float[] labels, Rng rng) {
        Tensors.inferenceOnThisThread(); // the teacher's steps record no gradients
        NDManager m = x0.getManager();
        int b = (int) x0.getShape().get(0);
        int n = studentSteps(round);
        int steps = diffusion.schedule().steps();
        int[] grid = TimestepSpacing.TRAILING.timesteps(steps, n);
        int[] fine = TimestepSpacing.TRAILING.timesteps(steps, 2 * n);
        int[] t = new int[b];
        int[] mid = new int[b];
        int[] next = new int[b];
        for (int i = 0; i < b; i++) {
            int k = rng.nextInt(n);
            t[i] = grid[k];
            mid[i] = fine[2 * k + 1];
            next[i] = k + 1 < n ? grid[k + 1] : -1;
            if (fine[2 * k] != grid[k]) {
                throw new IllegalStateException("the trailing points of " + 2 * n + " steps do not refine those of " + n);
            }
        }
        NDArray noise = Noise.randn(rng, m, x0.getShape());
        NDArray xt = diffusion.addNoise(x0, noise, t);
        NDArray cls = labels == null ? null : Tensors.fromJava(m, DenoisingTask.dropLabels(labels, config.conditioning().pUncond(), rng));
        // 1-2. two deterministic DDIM steps of the (guided) teacher: x_t -> x_t' -> x_t''
        NDArray xMid = ddim(xt, teacherOutput(xt, t, cls), t, mid);
        NDArray xNext = ddim(xMid, teacherOutput(xMid, mid, cls), mid, next);
        // 3. the x0 whose one DDIM step from x_t reaches x_t'' (PD eq. 8); at the end (t'' = -1) x_t'' itself
        NDArray ratio = sigmaOf(m, next).div(sigmaOf(m, t));
        NDArray x0Target = xNext.sub(ratio.mul(xt)).div(alphaOf(m, next).sub(ratio.mul(alphaOf(m, t))));
        // 4. as an output target with the truncated-SNR weight
        return x0Batch(xt, t, cls, x0Target);
    }
}
