package org.ddpm4j.api;

/** The reverse-process samplers ddpm4j offers. */
public enum SamplerKind {
    /** Ancestral sampling (Ho et al., arXiv 2006.11239): the seed's, one network call per timestep. */
    DDPM("ddpm"),
    /** DDIM (Song et al., arXiv 2010.02502): deterministic at eta 0, good in 20-50 steps. */
    DDIM("ddim"),
    /** DPM-Solver++(2M) (Lu et al., arXiv 2211.01095): a multistep solver for 10-20 steps; cannot resample for inpainting. */
    DPM_SOLVER_PP("dpm++"),
    /**
     * iPNDM (Zhang and Chen, arXiv 2204.13902): fourth-order Adams-Bashforth on the probability-flow ODE, for
     * 5-10 steps; cannot resample for inpainting.
     */
    IPNDM("ipndm");

    private final String id;

    SamplerKind(String id) {
        this.id = id;
    }

    /** The name the CLI and the studio use: {@code ddpm}, {@code ddim}, {@code dpm++} or {@code ipndm}. */
    public String id() {
        return id;
    }

    /** True if it can step back up the noise levels, as RePaint inpainting's resampling needs. */
    public boolean resamples() {
        return org.ddpm4j.sampler.SamplerConfig.RESAMPLING.contains(id);
    }

    /** The sampler called {@code id} ({@code ddpm}, {@code ddim}, {@code dpm++}, {@code ipndm}). */
    public static SamplerKind of(String id) {
        for (SamplerKind k : values()) {
            if (k.id.equalsIgnoreCase(id.trim())) {
                return k;
            }
        }
        throw new InvalidRequestException("sampler", "unknown {sampler} '" + id + "' (expected " + org.ddpm4j.sampler.SamplerConfig.EXPECTED + ")");
    }
}
