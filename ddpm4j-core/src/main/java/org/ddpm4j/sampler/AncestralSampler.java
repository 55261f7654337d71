package org.ddpm4j.sampler;

import ai.djl.ndarray.NDArray;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.util.Noise;
import org.ddpm4j.util.Rng;

/**
 * DDPM's ancestral sampler (Ho et al. 2020, Algorithm 2), generalised to skipped timesteps by respacing:
 * between t and tPrev the step uses beta'_t = 1 - alphaBar_t / alphaBar_tPrev.
 *
 * <p>Over all T steps and with {@link Variance#BETA} this is exactly the seed's loop:
 * x_{t-1} = (x_t - (1 - alpha_t) / sqrt(1 - alphaBar_t) eps) / sqrt(alpha_t) + sqrt(beta_t) z,
 * with no noise added at the last step.
 */
public final class AncestralSampler implements Sampler {

    /** The variance sigma_t^2 of each reverse step (DDPM section 3.2). */
    public enum Variance {
        /** sigma^2 = beta_t: the seed's choice, optimal for x0 ~ N(0, I). */
        BETA,
        /** sigma^2 = beta~_t, the true posterior variance: optimal for a deterministic x0. */
        POSTERIOR
    }

    private final GaussianDiffusion diffusion;
    private final Variance variance;
    private final TimestepSpacing spacing;
    private final boolean clipX0;

    public AncestralSampler(GaussianDiffusion diffusion, Variance variance, TimestepSpacing spacing, boolean clipX0) {
        this.diffusion = diffusion;
        this.variance = variance;
        this.spacing = spacing;
        this.clipX0 = clipX0;
    }

    /** The seed's sampler: sigma^2 = beta, no clipping. */
    public static AncestralSampler seed(GaussianDiffusion diffusion) {
        return new AncestralSampler(diffusion, Variance.BETA, TimestepSpacing.LINSPACE, false);
    }

    @Override
    public String name() {
        return "ddpm";
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
        var s = diffusion.schedule();
        double abT = s.alphaBar(t);
        double abPrev = tPrev < 0 ? 1.0 : s.alphaBar(tPrev);
        double alphaT = abT / abPrev; // alpha'_t after respacing; equals alpha_t when tPrev = t - 1
        double betaT = 1 - alphaT;

        // 1. predicted x0 (DDPM eq. 15)
        NDArray x0 = diffusion.predictX0(modelOutput, xt, t);
        // 2. optional clip to the data range
        if (clipX0) {
            x0 = x0.clip(-1f, 1f);
        }
        // 3. posterior mean mu~_t(x_t, x0), DDPM eq. (7)
        double c0 = Math.sqrt(abPrev) * betaT / (1 - abT);
        double ct = Math.sqrt(alphaT) * (1 - abPrev) / (1 - abT);
        NDArray mean = x0.mul((float) c0).add(xt.mul((float) ct));
        // 4. add noise sigma_t z, except at the last step
        if (tPrev >= 0) {
            double var = variance == Variance.BETA ? betaT : betaT * (1 - abPrev) / (1 - abT);
            NDArray z = Noise.randn(rng, xt.getManager(), xt.getShape());
            mean = mean.add(z.mul((float) Math.sqrt(var)));
        }
        return new StepOutput(mean, x0);
    }
}
