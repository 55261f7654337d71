package org.ddpm4j.cli;

import org.ddpm4j.pipeline.Guidance;
import picocli.CommandLine.Option;

/** The classifier-free guidance flags of {@code sample}, {@code eval} and {@code inpaint} (conditional runs only). */
final class GuidanceOptions {

    @Option(names = "--guidance", description = "Classifier-free guidance scale w for conditional runs: out = cond + w (cond - uncond); "
            + "0 = no guidance. Default: " + SamplerOptions.DEFAULT_GUIDANCE + ".")
    Double scale;

    @Option(names = "--guidance-rescale", description = "Guidance rescale phi in [0, 1] (Lin et al. 2023): pulls the guided output's "
            + "spread back to the conditional one's, against over-thick strokes; 0 = off. Default: " + Guidance.DEFAULT_RESCALE + ".")
    Double rescale;

    @Option(names = "--guidance-interval", paramLabel = "FROM:TO", description = "Guide only the steps whose noise level t/T lies in "
            + "[FROM, TO] (Kynkaanniemi et al. 2024); the others run the conditional model alone. Default: "
            + Guidance.DEFAULT_FROM + ":" + Guidance.DEFAULT_TO + " (every step).")
    String interval;
}
