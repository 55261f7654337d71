package org.ddpm4j.sampler;

import java.util.Locale;
import org.ddpm4j.DdpmException;
import org.ddpm4j.diffusion.GaussianDiffusion;

/**
 * A sampler choice as the user gives it ({@code --sampler}, {@code --eta}, {@code --spacing},
 * {@code --variance}, {@code --clip-x0}); {@link #build} makes the sampler for a diffusion process.
 */
public record SamplerConfig(String name, double eta, String spacing, String variance, boolean clipX0) {

    public SamplerConfig {
        name = name.toLowerCase(Locale.ROOT);
        if (!name.equals("ddpm") && !name.equals("ddim") && !name.equals("dpm++")) {
            throw new DdpmException("unknown --sampler '" + name + "' (expected ddpm, ddim or dpm++)");
        }
        if (!(eta >= 0 && eta <= 1)) {
            throw new DdpmException("--eta must be in [0, 1], got " + eta);
        }
        TimestepSpacing.parse(spacing);
        if (!variance.equals("beta") && !variance.equals("posterior")) {
            throw new DdpmException("unknown --variance '" + variance + "' (expected beta or posterior)");
        }
    }

    /** The seed's sampler: ancestral, sigma^2 = beta, all timesteps, no clipping. */
    public static SamplerConfig seed() {
        return new SamplerConfig("ddpm", 0, "linspace", "beta", false);
    }

    public Sampler build(GaussianDiffusion diffusion) {
        TimestepSpacing s = TimestepSpacing.parse(spacing);
        switch (name) {
            case "ddpm":
                return new AncestralSampler(diffusion, variance.equals("beta") ? AncestralSampler.Variance.BETA
                        : AncestralSampler.Variance.POSTERIOR, s, clipX0);
            case "ddim":
                return new DdimSampler(diffusion, eta, s, clipX0);
            default:
                return new DpmSolverPlusPlus(diffusion, s, clipX0);
        }
    }
}
