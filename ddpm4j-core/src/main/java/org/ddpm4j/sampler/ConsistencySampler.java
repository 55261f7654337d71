package org.ddpm4j.sampler;

import ai.djl.ndarray.NDArray;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.util.Noise;

/**
 * The multistep sampler of consistency models (Song et al., arXiv 2303.01469, Algorithm 1): each network call
 * maps x_t straight to a clean image x0, and the next call starts from that image noised afresh to the next
 * time point, {@code x_t' = sqrt(ab') x0 + sqrt(1 - ab') z}; the last call's x0 is the sample. With one time
 * point it is one network call. It is what a consistency-distilled student samples with; on an ordinary
 * diffusion model it is a valid but crude sampler (each step forgets all but the predicted x0).
 */
public final class ConsistencySampler implements Sampler {

    private final GaussianDiffusion diffusion;
    private final TimestepSpacing spacing;
    private final boolean clipX0;

    public ConsistencySampler(GaussianDiffusion diffusion, TimestepSpacing spacing, boolean clipX0) {
        this.diffusion = diffusion;
        this.spacing = spacing;
        this.clipX0 = clipX0;
    }

    @Override
    public String name() {
        return "consistency";
    }

    @Override
    public GaussianDiffusion diffusion() {
        return diffusion;
    }

    @Override
    public TimestepSpacing spacing() {
        return spacing;
    }

    @Override
    public StepOutput step(NDArray modelOutput, int t, int tPrev, NDArray xt, org.ddpm4j.util.Gaussians rng) {
        NDArray x0 = diffusion.predictX0AndEps(modelOutput, xt, t, clipX0).get(0);
        if (tPrev < 0) {
            return new StepOutput(x0, x0);
        }
        double abPrev = diffusion.schedule().alphaBar(tPrev);
        NDArray z = Noise.randn(rng, xt.getManager(), xt.getShape());
        return new StepOutput(x0.mul((float) Math.sqrt(abPrev)).add(z.mul((float) Math.sqrt(1 - abPrev))), x0);
    }
}
