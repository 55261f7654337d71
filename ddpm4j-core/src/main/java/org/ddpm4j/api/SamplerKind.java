package org.ddpm4j.api;

/** The reverse-process samplers ddpm4j offers. */
public enum SamplerKind {
    /** Ancestral sampling (Ho et al., arXiv 2006.11239): the seed's, one network call per timestep. */
    DDPM("ddpm"),
    /** DDIM (Song et al., arXiv 2010.02502): deterministic at eta 0, good in 20-50 steps. */
    DDIM("ddim"),
    /** DPM-Solver++(2M) (Lu et al., arXiv 2211.01095): a multistep solver for 10-20 steps; cannot resample for inpainting. */
    DPM_SOLVER_PP("dpm++");

    private final String id;

    SamplerKind(String id) {
        this.id = id;
    }

    /** The name the CLI and the studio use: {@code ddpm}, {@code ddim} or {@code dpm++}. */
    public String id() {
        return id;
    }

    /** The sampler called {@code id} ({@code ddpm}, {@code ddim}, {@code dpm++}). */
    public static SamplerKind of(String id) {
        for (SamplerKind k : values()) {
            if (k.id.equalsIgnoreCase(id.trim())) {
                return k;
            }
        }
        throw new InvalidRequestException("sampler", "unknown sampler '" + id + "' (expected ddpm, ddim or dpm++)");
    }
}
