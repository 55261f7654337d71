package org.ddpm4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.util.Noise;
import org.ddpm4j.util.Rng;

/**
 * The DDPM training loop (Ho et al. 2020, Algorithm 1, as in the seed): for each batch draw t uniformly
 * from 0..T-1 and Gaussian noise, form x_t in closed form, and minimise the MSE between the network's
 * output and the target (the noise, for eps prediction).
 *
 * <p>Each step runs inside an {@link NDScope}, so native memory stays flat over any number of steps.
 */
public final class DiffusionTrainer {

    private final Denoiser model;
    private final GaussianDiffusion diffusion;
    private final TrainConfig config;
    private final Rng rng;
    private final Adam optimizer;
    private long step;

    public DiffusionTrainer(Denoiser model, GaussianDiffusion diffusion, TrainConfig config, Rng rng) {
        this.model = model;
        this.diffusion = diffusion;
        this.config = config;
        this.rng = rng;
        this.optimizer = Adam.torchDefaults(model);
    }

    /** Steps per epoch: ceil(N / batch), the last batch may be short (DataLoader's drop_last=False). */
    public static long stepsPerEpoch(int images, int batch) {
        return (images + batch - 1) / batch;
    }

    /** Trains for {@code config.epochs()} epochs, shuffling every epoch. */
    public void fit(ImageSet data, TrainListener listener) {
        int n = data.size();
        int batch = config.batchSize();
        long total = stepsPerEpoch(n, batch) * config.epochs();
        int per = data.imageSize();
        double ips = 0;
        for (int epoch = 0; epoch < config.epochs(); epoch++) {
            int[] order = rng.permutation(n);
            double sum = 0;
            int batches = 0;
            for (int start = 0; start < n; start += batch) {
                int b = Math.min(batch, n - start);
                float[] x = new float[b * per];
                for (int i = 0; i < b; i++) {
                    data.copyImage(order[start + i], x, i * per);
                }
                long t0 = System.nanoTime();
                double loss = step(x, new Shape(b, data.channels(), data.height(), data.width()));
                double secs = (System.nanoTime() - t0) / 1e9;
                double rate = b / Math.max(secs, 1e-9);
                ips = ips == 0 ? rate : 0.9 * ips + 0.1 * rate;
                sum += loss;
                batches++;
                listener.onStep(step, total, epoch, loss, ips);
            }
            listener.onEpoch(epoch, sum / batches);
        }
    }

    /**
     * One optimizer step on a batch of clean images x0 in [-1, 1].
     *
     * @return the batch's loss
     */
    public double step(float[] x0Data, Shape shape) {
        try (NDScope scope = new NDScope()) {
            NDManager m = model.manager();
            int b = (int) shape.get(0);
            int steps = diffusion.schedule().steps();
            int[] t = new int[b];
            float[] tf = new float[b];
            for (int i = 0; i < b; i++) {
                t[i] = rng.nextInt(steps);
                tf[i] = t[i];
            }
            NDArray x0 = m.create(x0Data, shape);
            NDArray noise = Noise.randn(rng, m, shape);
            NDArray xt = diffusion.addNoise(x0, noise, t);
            NDArray target = diffusion.target(x0, noise, t);
            NDArray tArr = m.create(tf);
            double lossValue;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray pred = model.forward(xt, tArr, true);
                NDArray loss = pred.sub(target).square().mean(); // F.mse_loss
                gc.backward(loss);
                lossValue = loss.getFloat();
            }
            optimizer.step(config.learningRate());
            step++;
            return lossValue;
        }
    }

    public long stepCount() {
        return step;
    }

    public Adam optimizer() {
        return optimizer;
    }
}
