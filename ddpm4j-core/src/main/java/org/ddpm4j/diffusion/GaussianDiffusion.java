package org.ddpm4j.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.schedule.NoiseSchedule;
import org.ddpm4j.util.Tensors;

/**
 * The forward process q(x_t | x_0) of a schedule and the conversions between the network's prediction
 * and (x0, eps). Shapes: images are (B, C, H, W); {@code t} holds one zero-based timestep per image.
 */
public final class GaussianDiffusion {

    private final NoiseSchedule schedule;
    private final Prediction prediction;

    public GaussianDiffusion(NoiseSchedule schedule, Prediction prediction) {
        this.schedule = schedule;
        this.prediction = prediction;
    }

    public NoiseSchedule schedule() {
        return schedule;
    }

    public Prediction prediction() {
        return prediction;
    }

    /** q_sample, DDPM eq. (4): x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps. */
    public NDArray addNoise(NDArray x0, NDArray noise, int[] t) {
        NDArray a = perImage(x0.getManager(), t, tt -> Math.sqrt(schedule.alphaBar(tt)));
        NDArray s = perImage(x0.getManager(), t, tt -> Math.sqrt(1 - schedule.alphaBar(tt)));
        return x0.mul(a).add(noise.mul(s));
    }

    /** The regression target of the network for this {@link Prediction}. */
    public NDArray target(NDArray x0, NDArray noise, int[] t) {
        switch (prediction) {
            case EPS:
                return noise;
            case X0:
                return x0;
            case V:
                // v = sqrt(alphaBar) eps - sqrt(1 - alphaBar) x0
                NDArray a = perImage(x0.getManager(), t, tt -> Math.sqrt(schedule.alphaBar(tt)));
                NDArray s = perImage(x0.getManager(), t, tt -> Math.sqrt(1 - schedule.alphaBar(tt)));
                return noise.mul(a).sub(x0.mul(s));
            default:
                throw new IllegalStateException();
        }
    }

    /** The predicted clean image x0 from the network output at a single timestep t (shared by the batch). */
    public NDArray predictX0(NDArray modelOutput, NDArray xt, int t) {
        double ab = schedule.alphaBar(t);
        switch (prediction) {
            case EPS:
                // x0 = (x_t - sqrt(1 - alphaBar) eps) / sqrt(alphaBar), DDPM eq. (15)
                return xt.sub(modelOutput.mul((float) Math.sqrt(1 - ab))).div((float) Math.sqrt(ab));
            case X0:
                return modelOutput.duplicate();
            case V:
                // x0 = sqrt(alphaBar) x_t - sqrt(1 - alphaBar) v
                return xt.mul((float) Math.sqrt(ab)).sub(modelOutput.mul((float) Math.sqrt(1 - ab)));
            default:
                throw new IllegalStateException();
        }
    }

    /** The predicted noise eps from the network output at a single timestep t. */
    public NDArray predictEps(NDArray modelOutput, NDArray xt, int t) {
        double ab = schedule.alphaBar(t);
        switch (prediction) {
            case EPS:
                return modelOutput.duplicate();
            case X0:
                // eps = (x_t - sqrt(alphaBar) x0) / sqrt(1 - alphaBar)
                return xt.sub(modelOutput.mul((float) Math.sqrt(ab))).div((float) Math.sqrt(1 - ab));
            case V:
                // eps = sqrt(alphaBar) v + sqrt(1 - alphaBar) x_t
                return modelOutput.mul((float) Math.sqrt(ab)).add(xt.mul((float) Math.sqrt(1 - ab)));
            default:
                throw new IllegalStateException();
        }
    }

    /**
     * d x0 / d output at timestep t: how much the predicted x0 moves per unit of network output (x0 is affine
     * in the output, so a change of the output maps to x0 space by this one factor; never 0).
     */
    public double x0Coefficient(int t) {
        double ab = schedule.alphaBar(t);
        switch (prediction) {
            case EPS:
                return -Math.sqrt(1 - ab) / Math.sqrt(ab);
            case X0:
                return 1;
            case V:
                return -Math.sqrt(1 - ab);
            default:
                throw new IllegalStateException();
        }
    }

    /**
     * d x0 / d x_t at timestep t with the output held fixed: with {@link #x0Coefficient} it writes the predicted
     * clean image as x0 = c1 x_t + c2 output (eps: 1 / sqrt(ab); x0: 0; v: sqrt(ab)).
     */
    public double x0FromXtCoefficient(int t) {
        double ab = schedule.alphaBar(t);
        switch (prediction) {
            case EPS:
                return 1 / Math.sqrt(ab);
            case X0:
                return 0;
            case V:
                return Math.sqrt(ab);
            default:
                throw new IllegalStateException();
        }
    }

    /**
     * x0 and eps from the network output at (x_t, t); with {@code clipX0}, x0 clipped to [-1, 1] and eps made
     * consistent with the clipped x0 (as DDIM and iPNDM sample).
     *
     * @return {x0, eps}
     */
    public ai.djl.ndarray.NDList predictX0AndEps(NDArray modelOutput, NDArray xt, int t, boolean clipX0) {
        NDArray x0 = predictX0(modelOutput, xt, t);
        if (clipX0) {
            x0 = x0.clip(-1f, 1f);
            return new ai.djl.ndarray.NDList(x0, epsFromX0(x0, xt, t));
        }
        return new ai.djl.ndarray.NDList(x0, predictEps(modelOutput, xt, t));
    }

    /** eps recomputed from x_t and a (possibly clipped) x0 at timestep t. */
    public NDArray epsFromX0(NDArray x0, NDArray xt, int t) {
        double ab = schedule.alphaBar(t);
        return xt.sub(x0.mul((float) Math.sqrt(ab))).div((float) Math.sqrt(1 - ab));
    }

    /** A (B, 1, 1, 1) float tensor holding f(t_i) for each image i. */
    public static NDArray perImage(NDManager manager, int[] t, java.util.function.IntToDoubleFunction f) {
        float[] v = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            v[i] = (float) f.applyAsDouble(t[i]);
        }
        return Tensors.fromJava(manager, v, new Shape(t.length, 1, 1, 1));
    }
}
