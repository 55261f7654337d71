package org.ddpm4j.api;

import org.ddpm4j.sampler.SamplerConfig;

/** The reverse-process samplers ddpm4j offers. */
public enum SamplerKind {
    /** Ancestral sampling (Ho et al., arXiv 2006.11239): the seed's, one network call per timestep. */
    DDPM(SamplerConfig.Kind.DDPM),
    /** DDIM (Song et al., arXiv 2010.02502): deterministic at eta 0, good in 20-50 steps. */
    DDIM(SamplerConfig.Kind.DDIM),
    /** DPM-Solver++(2M) (Lu et al., arXiv 2211.01095): a multistep solver for 10-20 steps; cannot resample for inpainting. */
    DPM_SOLVER_PP(SamplerConfig.Kind.DPM_SOLVER_PP),
    /** DPM-Solver++(3M) (Lu et al., arXiv 2211.01095; k-diffusion's third-order multistep form): for 6-10 steps; cannot resample. */
    DPM_SOLVER_PP_3M(SamplerConfig.Kind.DPM_SOLVER_PP_3M),
    /**
     * iPNDM (Zhang and Chen, arXiv 2204.13902): fourth-order Adams-Bashforth on the probability-flow ODE, for
     * 5-10 steps; cannot resample for inpainting.
     */
    IPNDM(SamplerConfig.Kind.IPNDM),
    /**
     * The consistency-model sampler (Song et al., arXiv 2303.01469): each call jumps to a clean image, which the
     * next call starts from noised afresh. For consistency-distilled students ({@code ./ddpm distill --method
     * consistency}); crude on other runs.
     */
    CONSISTENCY(SamplerConfig.Kind.CONSISTENCY);

    private final SamplerConfig.Kind kind;

    SamplerKind(SamplerConfig.Kind kind) {
        this.kind = kind;
    }

    /** The sampler as the engine names it. */
    SamplerConfig.Kind kind() {
        return kind;
    }

    /** The name the CLI and the studio use: {@code ddpm}, {@code ddim}, {@code dpm++}, {@code dpm++3m}, {@code ipndm} or {@code consistency}. */
    public String id() {
        return kind.id();
    }

    /** True if it can step back up the noise levels, as RePaint inpainting's resampling needs. */
    public boolean resamples() {
        return kind.resamples();
    }

    /** The sampler called {@code id} ({@code ddpm}, {@code ddim}, {@code dpm++}, {@code dpm++3m}, {@code ipndm}, {@code consistency}). */
    public static SamplerKind of(String id) {
        try {
            SamplerConfig.Kind k = SamplerConfig.Kind.parse(id);
            for (SamplerKind s : values()) {
                if (s.kind == k) {
                    return s;
                }
            }
            throw new IllegalStateException("no API sampler for " + k);
        } catch (org.ddpm4j.SettingException e) {
            throw InvalidRequestException.of(e);
        }
    }
}
