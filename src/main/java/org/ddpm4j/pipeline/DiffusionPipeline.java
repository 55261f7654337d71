package org.ddpm4j.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.sampler.Sampler;
import org.ddpm4j.sampler.StepOutput;
import org.ddpm4j.util.Noise;
import org.ddpm4j.util.Rng;

/**
 * The sampling loop: x_T ~ N(0, I), then for each timestep of the sampler run the network and take one
 * sampler step; returns the final images in [-1, 1] (unclamped).
 */
public final class DiffusionPipeline {

    private final Denoiser model;
    private final Sampler sampler;

    public DiffusionPipeline(Denoiser model, Sampler sampler) {
        this.model = model;
        this.sampler = sampler;
    }

    /**
     * Generates {@code n} images in batches of at most {@code batchSize}.
     *
     * @return (n, C, H, W) floats in row-major order
     */
    public float[] generate(int n, int numSteps, int batchSize, Rng rng, StepListener listener) {
        int c = model.config().channels();
        int s = model.config().size();
        int per = c * s * s;
        float[] out = new float[n * per];
        for (int start = 0; start < n; start += batchSize) {
            int b = Math.min(batchSize, n - start);
            float[] imgs = generateBatch(b, numSteps, rng, listener);
            System.arraycopy(imgs, 0, out, start * per, imgs.length);
        }
        return out;
    }

    /** One batch of {@code b} images: the whole reverse trajectory, each step in its own scope. */
    public float[] generateBatch(int b, int numSteps, Rng rng, StepListener listener) {
        int c = model.config().channels();
        int s = model.config().size();
        Shape shape = new Shape(b, c, s, s);
        int[] ts = sampler.timesteps(numSteps);
        sampler.reset();
        try (NDManager m = model.manager().newSubManager()) {
            NDArray x = Noise.randn(rng, m, shape); // x_T ~ N(0, I)
            for (int i = 0; i < ts.length; i++) {
                int t = ts[i];
                int tPrev = i + 1 < ts.length ? ts[i + 1] : -1;
                try (NDScope scope = new NDScope()) {
                    float[] tf = new float[b];
                    java.util.Arrays.fill(tf, t);
                    NDArray out = model.forward(x, m.create(tf), false);
                    StepOutput so = sampler.step(out, t, tPrev, x, rng);
                    listener.onStep(i + 1, ts.length, t, so.prevSample(), so.predX0());
                    NDScope.unregister(so.prevSample());
                    x.close();
                    x = so.prevSample();
                }
            }
            return x.toFloatArray();
        }
    }
}
