package org.ddpm4j.sampler;

import ai.djl.ndarray.NDArray;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.util.Noise;
import org.ddpm4j.util.Rng;

/**
 * DDIM (Song et al. 2020, arXiv 2010.02502), eq. (12): from x_t to x_{t'} with
 * x_{t'} = sqrt(ab') x0 + sqrt(1 - ab' - sigma^2) eps + sigma z,
 * sigma = eta sqrt((1 - ab') / (1 - ab)) sqrt(1 - ab / ab'). eta = 0 is deterministic; eta = 1 over all
 * T steps is DDPM ancestral sampling with the posterior variance.
 */
public final class DdimSampler implements Sampler {

    private final GaussianDiffusion diffusion;
    private final double eta;
    private final TimestepSpacing spacing;
    private final boolean clipX0;

    public DdimSampler(GaussianDiffusion diffusion, double eta, TimestepSpacing spacing, boolean clipX0) {
        if (!(eta >= 0 && eta <= 1)) {
            throw new org.ddpm4j.SettingException("eta", "must be in [0, 1], got " + eta);
        }
        this.diffusion = diffusion;
        this.eta = eta;
        this.spacing = spacing;
        this.clipX0 = clipX0;
    }

    @Override
    public String name() {
        return "ddim";
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
        double ab = diffusion.schedule().alphaBar(t);
        double abPrev = tPrev < 0 ? 1.0 : diffusion.schedule().alphaBar(tPrev);
        // 1-2. predicted x0 (optionally clipped) and eps consistent with it
        ai.djl.ndarray.NDList pred = diffusion.predictX0AndEps(modelOutput, xt, t, clipX0);
        NDArray x0 = pred.get(0);
        NDArray eps = pred.get(1);
        // 3. sigma_t(eta), DDIM eq. (16)
        double sigma = eta * Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(Math.max(0, 1 - ab / abPrev));
        double dirCoef = Math.sqrt(Math.max(0, 1 - abPrev - sigma * sigma));
        // 4. x_{t'} = sqrt(ab') x0 + direction to x_t + noise, DDIM eq. (12)
        NDArray prev = x0.mul((float) Math.sqrt(abPrev)).add(eps.mul((float) dirCoef));
        if (sigma > 0 && tPrev >= 0) {
            NDArray z = Noise.randn(rng, xt.getManager(), xt.getShape());
            prev = prev.add(z.mul((float) sigma));
        }
        return new StepOutput(prev, x0);
    }
}
