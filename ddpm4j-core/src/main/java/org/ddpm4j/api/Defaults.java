package org.ddpm4j.api;

import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.sampler.AncestralSampler;
import org.ddpm4j.sampler.SamplerConfig;
import org.ddpm4j.sampler.TimestepSpacing;

/** Every generation and inpainting default, in one place: the API, the CLI and the studio all read them here. */
public final class Defaults {

    private Defaults() {}

    /**
     * Classifier-free guidance scale used when none is asked for: the highest class accuracy whose FID is at
     * most 1.3x the unguided FID, on the 30-minute conditional MNIST recipe (w = 0.25: 95.6% read as their
     * class at 0.85x the unguided FID; w = 0.5 costs 1.33x, w = 1 2.9x). See docs/results/recipes.md.
     */
    public static final double GUIDANCE = 0.25;
    /** Autoguidance scale (with a guide network) used when none is asked for. */
    public static final double AUTOGUIDANCE = 1.0;
    /** The U-Net's sampler and network calls per image. */
    public static final SamplerKind UNET_SAMPLER = SamplerKind.DDIM;
    public static final int UNET_STEPS = 20;
    /** Inpainting: RePaint with the ancestral sampler, 100 steps, 5 resampling jumps, 8 candidates. */
    public static final SamplerKind INPAINT_SAMPLER = SamplerKind.DDPM;
    public static final int INPAINT_STEPS = 100;
    public static final int INPAINT_RESAMPLE = 5;
    public static final int INPAINT_CANDIDATES = 8;
    /** Images per network call when generating. */
    public static final int BATCH = 64;

    /** The default sampler of a model: the seed's for the seed network, a fast one for the U-Net. */
    public static SamplerConfig sampler(ModelConfig mc) {
        return ModelConfig.SEED.equals(mc.type()) ? SamplerConfig.seed()
                : new SamplerConfig(UNET_SAMPLER.kind(), 0, TimestepSpacing.TRAILING, AncestralSampler.Variance.BETA, true);
    }

    /** The default number of network calls per image: all T for the seed network, 20 for the U-Net. */
    public static int steps(ModelConfig mc, DiffusionConfig dc) {
        return ModelConfig.SEED.equals(mc.type()) ? dc.steps() : Math.min(UNET_STEPS, dc.steps());
    }

    /** The sampler settings of an inpainting: DDIM runs stochastically (eta 1) so that resampling can harmonise. */
    public static SamplerConfig inpaintingSampler(SamplerKind kind) {
        try {
            SamplerConfig.checkResamples(kind.id());
        } catch (org.ddpm4j.SettingException e) {
            throw InvalidRequestException.of(e);
        }
        return new SamplerConfig(kind.kind(), kind == SamplerKind.DDIM ? 1.0 : 0, TimestepSpacing.LINSPACE,
                AncestralSampler.Variance.POSTERIOR, true);
    }
}
