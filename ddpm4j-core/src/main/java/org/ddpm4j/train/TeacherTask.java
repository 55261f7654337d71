package org.ddpm4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.checkpoint.Tensor;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.util.Tensors;

/**
 * What the distillations share: a frozen teacher network, its (guided) output and deterministic DDIM steps per
 * image, and the conversion of an x0 target into the student's own output space.
 *
 * <p>The teacher of a class-conditional run is guided at scale {@code guidance} (classifier-free, its conditional
 * and unconditional branches in one call of 2B images), so the student learns the guided teacher and samples
 * without guidance in one call per step. The teacher runs outside gradient recording; its weights are part of the
 * checkpoint ({@link #stateTensors}), so a resumed distillation continues exactly.
 */
public abstract class TeacherTask implements TrainingTask {

    /** The prefix of the teacher's weights in a student's checkpoint. */
    public static final String TEACHER = "teacher/";
    /** Updates over which the learning rate warms up (at the start of every round of a progressive distillation). */
    static final int WARMUP = 20;

    final Denoiser student;
    final Denoiser teacher;
    final GaussianDiffusion diffusion;
    final TrainConfig config;
    final double guidance;
    final boolean clipX0;

    TeacherTask(Denoiser student, Denoiser teacher, GaussianDiffusion diffusion, TrainConfig config, double guidance, boolean clipX0) {
        this.student = student;
        this.teacher = teacher;
        this.diffusion = diffusion;
        this.config = config;
        this.guidance = student.config().conditional() ? guidance : 0;
        this.clipX0 = clipX0;
    }

    /** Loads the teacher weights a checkpoint saved ({@link #TEACHER}). */
    public void restoreTeacher(Run run) {
        run.restore(teacher, TEACHER);
    }

    @Override
    public Map<String, Tensor> stateTensors() {
        return new LinkedHashMap<>(Run.export(teacher, TEACHER));
    }

    /** Warm-up over {@link #WARMUP} updates, then a linear decay to 0 at update {@code end} of a span starting after {@code start}. */
    static double warmupLinear(double lr, long step, long start, long end) {
        long k = step - start; // 1-based update within the span
        return lr * Math.min(1.0, (double) k / WARMUP) * Math.max(0.0, 1.0 - (double) (k - 1) / (end - start));
    }

    /** The output of {@code net} at (x, t) per image, guided at {@code w} for a conditional network. */
    static NDArray output(Denoiser net, NDArray x, int[] t, NDArray cls, double w) {
        NDManager m = x.getManager();
        int b = t.length;
        float[] tf = new float[b];
        for (int i = 0; i < b; i++) {
            tf[i] = t[i];
        }
        NDArray ts = Tensors.fromJava(m, tf);
        if (cls == null || w == 0) {
            return net.forward(x, ts, cls, false);
        }
        NDArray both = net.forward(x.concat(x, 0), ts.concat(ts, 0), cls.concat(m.full(new Shape(b), -1f), 0), false);
        NDArray cond = both.get("0:" + b);
        NDArray uncond = both.get(b + ":");
        return cond.add(cond.sub(uncond).mul((float) w)); // cond + w (cond - uncond)
    }

    /** The teacher's output at (x, t) per image, guided at {@link #guidance} for a conditional network. */
    NDArray teacherOutput(NDArray x, int[] t, NDArray cls) {
        return output(teacher, x, t, cls, guidance);
    }

    /** The x0 an output predicts from x_t per image, clipped to [-1, 1] if the sampler clips. */
    NDArray x0Of(NDArray xt, NDArray out, int[] t) {
        NDManager m = xt.getManager();
        NDArray x0 = GaussianDiffusion.perImage(m, t, diffusion::x0FromXtCoefficient).mul(xt)
                .add(GaussianDiffusion.perImage(m, t, diffusion::x0Coefficient).mul(out));
        return clipX0 ? x0.clip(-1f, 1f) : x0;
    }

    /**
     * One deterministic DDIM step per image (DDIM eq. 12 with eta = 0) from x_t at t to t' ({@code -1}: x0):
     * x0 from the output (clipped if asked), eps consistent with it, x_t' = alpha_t' x0 + sigma_t' eps.
     */
    NDArray ddim(NDArray xt, NDArray out, int[] t, int[] tPrev) {
        NDManager m = xt.getManager();
        NDArray x0 = x0Of(xt, out, t);
        NDArray eps = xt.sub(alphaOf(m, t).mul(x0)).div(sigmaOf(m, t));
        return alphaOf(m, tPrev).mul(x0).add(sigmaOf(m, tPrev).mul(eps));
    }

    NDArray alphaOf(NDManager m, int[] t) {
        return GaussianDiffusion.perImage(m, t, tt -> tt < 0 ? 1.0 : Math.sqrt(diffusion.schedule().alphaBar(tt)));
    }

    NDArray sigmaOf(NDManager m, int[] t) {
        return GaussianDiffusion.perImage(m, t, tt -> tt < 0 ? 0.0 : Math.sqrt(1 - diffusion.schedule().alphaBar(tt)));
    }

    /**
     * A batch whose target is the x0 {@code x0Target} written in the network's output space: x0 = c1 x_t + c2 out,
     * so out* = (x~ - c1 x_t) / c2, with the weight c2^2 max(snr_t, 1) (the x0 error weighted by the truncated SNR).
     */
    Batch x0Batch(NDArray xt, int[] t, NDArray cls, NDArray x0Target) {
        NDManager m = xt.getManager();
        int b = t.length;
        NDArray c1 = GaussianDiffusion.perImage(m, t, diffusion::x0FromXtCoefficient);
        NDArray c2 = GaussianDiffusion.perImage(m, t, diffusion::x0Coefficient);
        NDArray target = x0Target.sub(c1.mul(xt)).div(c2);
        float[] w = new float[b];
        float[] tf = new float[b];
        for (int i = 0; i < b; i++) {
            double c = diffusion.x0Coefficient(t[i]);
            w[i] = (float) (c * c * Math.max(diffusion.schedule().snr(t[i]), 1.0));
            tf[i] = t[i];
        }
        return new Batch(xt, Tensors.fromJava(m, tf), cls, target, Tensors.fromJava(m, w, new Shape(b)));
    }
}
