package org.ddpm4j.sampler;

import java.util.Locale;
import org.ddpm4j.DdpmException;
import org.ddpm4j.diffusion.GaussianDiffusion;

/**
 * A sampler choice as the user gives it ({@code --sampler}, {@code --eta}, {@code --spacing},
 * {@code --variance}, {@code --clip-x0}); {@link #build} makes the sampler for a diffusion process.
 */
public record SamplerConfig(String name, double eta, String spacing, String variance, boolean clipX0) {

    /** The samplers by name. */
    public static final java.util.List<String> NAMES = java.util.List.of("ddpm", "ddim", "dpm++", "ipndm");
    /** The names as an error message lists them. */
    public static final String EXPECTED = "ddpm, ddim, dpm++ or ipndm";
    /** The samplers that can step back up the noise levels, as RePaint's resampling needs. */
    public static final java.util.List<String> RESAMPLING = java.util.List.of("ddpm", "ddim");

    public SamplerConfig {
        name = name.toLowerCase(Locale.ROOT);
        if (!NAMES.contains(name)) {
            throw new org.ddpm4j.SettingException("sampler", "unknown {sampler} '" + name + "' (expected " + EXPECTED + ")");
        }
        if (!(eta >= 0 && eta <= 1)) {
            throw new org.ddpm4j.SettingException("eta", "must be in [0, 1], got " + eta);
        }
        TimestepSpacing.parse(spacing);
        if (!variance.equals("beta") && !variance.equals("posterior")) {
            throw new org.ddpm4j.SettingException("variance", "unknown {variance} '" + variance + "' (expected beta or posterior)");
        }
    }

    /** Refuses a sampler that cannot resample, for RePaint inpainting. */
    public static void checkResamples(String name) {
        if (!RESAMPLING.contains(name)) {
            throw new org.ddpm4j.SettingException("sampler", "{sampler} " + name + " cannot resample; use ddpm or ddim for inpainting");
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
            case "ipndm":
                return new IpndmSampler(diffusion, s, clipX0);
            default:
                return new DpmSolverPlusPlus(diffusion, s, clipX0);
        }
    }
}
