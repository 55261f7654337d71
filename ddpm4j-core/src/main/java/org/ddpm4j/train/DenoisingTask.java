package org.ddpm4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.diffusion.Prediction;
import org.ddpm4j.util.Noise;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;

/**
 * DDPM's objective (Ho et al. 2020, Algorithm 1, as in the seed): t uniform in 0..T-1, Gaussian noise, x_t in
 * closed form, the prediction target of the diffusion (eps, x0 or v), optionally min-SNR-gamma weighted; a
 * class-conditional network sees each label dropped (set to -1, "no class") with probability p_uncond, so the
 * same network learns the unconditional model too.
 */
public final class DenoisingTask implements TrainingTask {

    private final GaussianDiffusion diffusion;
    private final TrainConfig config;

    public DenoisingTask(GaussianDiffusion diffusion, TrainConfig config) {
        this.diffusion = diffusion;
        this.config = config;
    }

    @Override
    public Batch batch(NDArray x0, float[] labels, Rng rng) {
        NDManager m = x0.getManager();
        int b = (int) x0.getShape().get(0);
        int steps = diffusion.schedule().steps();
        int[] t = new int[b];
        float[] tf = new float[b];
        for (int i = 0; i < b; i++) {
            t[i] = rng.nextInt(steps);
            tf[i] = t[i];
        }
        NDArray noise = Noise.randn(rng, m, x0.getShape());
        NDArray xt = diffusion.addNoise(x0, noise, t);
        NDArray target = diffusion.target(x0, noise, t);
        NDArray tArr = Tensors.fromJava(m, tf);
        NDArray cls = labels == null ? null : Tensors.fromJava(m, dropLabels(labels, config.conditioning().pUncond(), rng));
        NDArray weights = config.objective().minSnrGamma() > 0 ? Tensors.fromJava(m, lossWeights(t), new Shape(b)) : null;
        return new Batch(xt, tArr, cls, target, weights);
    }

    /** A copy of {@code labels} with each set to -1 ("no class") with probability {@code p}, one draw per label. */
    static float[] dropLabels(float[] labels, double p, Rng rng) {
        float[] l = labels.clone();
        for (int i = 0; i < l.length; i++) {
            if (rng.nextDouble() < p) {
                l[i] = -1;
            }
        }
        return l;
    }

    /**
     * min-SNR-gamma weights per image (arXiv 2303.09556, eq. 9 and its eps / v forms):
     * x0: min(snr, g); eps: min(snr, g) / snr; v: min(snr, g) / (snr + 1).
     */
    float[] lossWeights(int[] t) {
        float[] w = new float[t.length];
        double g = config.objective().minSnrGamma();
        for (int i = 0; i < t.length; i++) {
            double snr = diffusion.schedule().snr(t[i]);
            double clipped = Math.min(snr, g);
            Prediction p = diffusion.prediction();
            w[i] = (float) (p == Prediction.X0 ? clipped : p == Prediction.EPS ? clipped / snr : clipped / (snr + 1));
        }
        return w;
    }
}
