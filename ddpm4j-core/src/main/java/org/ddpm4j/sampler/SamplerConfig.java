package org.ddpm4j.sampler;

import java.util.Locale;
import org.ddpm4j.diffusion.GaussianDiffusion;

/**
 * A sampler choice: which sampler, DDIM's eta, the timestep spacing, the ancestral sampler's variance and
 * whether the predicted x0 is clipped; {@link #build} makes the sampler for a diffusion process.
 */
public record SamplerConfig(SamplerConfig.Kind kind, double eta, TimestepSpacing spacing, AncestralSampler.Variance variance,
        boolean clipX0) {

    /** The samplers, by the name the CLI and the studio use. */
    public enum Kind {
        DDPM("ddpm", true),
        DDIM("ddim", true),
        DPM_SOLVER_PP("dpm++", false),
        DPM_SOLVER_PP_3M("dpm++3m", false),
        IPNDM("ipndm", false),
        CONSISTENCY("consistency", false);

        private final String id;
        private final boolean resamples;

        Kind(String id, boolean resamples) {
            this.id = id;
            this.resamples = resamples;
        }

        /** {@code ddpm}, {@code ddim}, {@code dpm++}, {@code dpm++3m}, {@code ipndm} or {@code consistency}. */
        public String id() {
            return id;
        }

        /** True if it can step back up the noise levels, as RePaint's resampling needs. */
        public boolean resamples() {
            return resamples;
        }

        /** The sampler called {@code id} (any case). */
        public static Kind parse(String id) {
            for (Kind k : values()) {
                if (k.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            throw new org.ddpm4j.SettingException("sampler", "unknown {sampler} '" + id.trim().toLowerCase(Locale.ROOT)
                    + "' (expected " + EXPECTED + ")");
        }
    }

    /** The sampler names as an error message lists them. */
    public static final String EXPECTED = "ddpm, ddim, dpm++, dpm++3m, ipndm or consistency";

    public SamplerConfig {
        if (kind == null || spacing == null || variance == null) {
            throw new IllegalArgumentException("a sampler config needs its kind, spacing and variance");
        }
        if (!(eta >= 0 && eta <= 1)) {
            throw new org.ddpm4j.SettingException("eta", "must be in [0, 1], got " + eta);
        }
    }

    /** The config as the CLI spells it: sampler, eta, spacing ({@code linspace}, {@code leading}, {@code trailing}), variance ({@code beta}, {@code posterior}). */
    public static SamplerConfig of(String sampler, double eta, String spacing, String variance, boolean clipX0) {
        return new SamplerConfig(Kind.parse(sampler), eta, TimestepSpacing.parse(spacing), parseVariance(variance), clipX0);
    }

    /** {@code beta} or {@code posterior}. */
    public static AncestralSampler.Variance parseVariance(String variance) {
        return switch (variance.trim().toLowerCase(Locale.ROOT)) {
            case "beta" -> AncestralSampler.Variance.BETA;
            case "posterior" -> AncestralSampler.Variance.POSTERIOR;
            default -> throw new org.ddpm4j.SettingException("variance", "unknown {variance} '" + variance + "' (expected beta or posterior)");
        };
    }

    /** Refuses a sampler that cannot resample, for RePaint inpainting. */
    public static Kind checkResamples(String name) {
        Kind k = Kind.parse(name);
        if (!k.resamples()) {
            throw new org.ddpm4j.SettingException("sampler", "{sampler} " + k.id() + " cannot resample; use ddpm or ddim for inpainting");
        }
        return k;
    }

    /** The seed's sampler: ancestral, sigma^2 = beta, all timesteps, no clipping. */
    public static SamplerConfig seed() {
        return new SamplerConfig(Kind.DDPM, 0, TimestepSpacing.LINSPACE, AncestralSampler.Variance.BETA, false);
    }

    /** This config with another sampler. */
    public SamplerConfig withKind(Kind k) {
        return new SamplerConfig(k, eta, spacing, variance, clipX0);
    }

    public Sampler build(GaussianDiffusion diffusion) {
        return switch (kind) {
            case DDPM -> new AncestralSampler(diffusion, variance, spacing, clipX0);
            case DDIM -> new DdimSampler(diffusion, eta, spacing, clipX0);
            case IPNDM -> new IpndmSampler(diffusion, spacing, clipX0);
            case DPM_SOLVER_PP -> new DpmSolverPlusPlus(diffusion, spacing, clipX0);
            case DPM_SOLVER_PP_3M -> new DpmSolverPlusPlus(diffusion, spacing, clipX0, 3);
            case CONSISTENCY -> new ConsistencySampler(diffusion, spacing, clipX0);
        };
    }
}
