package org.ddpm4j.cli;

import java.nio.file.Path;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.Defaults;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Guide;
import org.ddpm4j.pipeline.Guidance;
import picocli.CommandLine.Option;

/** The guidance flags of {@code sample}, {@code eval} and {@code inpaint}: classifier-free guidance and autoguidance. */
final class GuidanceOptions {

    @Option(names = "--guidance", description = "Guidance scale w: out = cond + w (cond - uncond), or with --guide-run "
            + "out = good + w (good - weak); 0 = no guidance. Default: " + Defaults.GUIDANCE + " ("
            + Defaults.AUTOGUIDANCE + " with --guide-run).")
    Double scale;

    @Option(names = "--guidance-rescale", description = "Guidance rescale phi in [0, 1] (Lin et al. 2023): pulls the guided output's "
            + "spread back to the conditional one's, against over-thick strokes; 0 = off. Default: " + Guidance.DEFAULT_RESCALE + ".")
    Double rescale;

    @Option(names = "--guidance-interval", paramLabel = "FROM:TO", description = "Guide only the steps whose noise level t/T lies in "
            + "[FROM, TO] (Kynkaanniemi et al. 2024); the others run the conditional model alone. Default: "
            + Guidance.DEFAULT_FROM + ":" + Guidance.DEFAULT_TO + " (every step).")
    String interval;

    @Option(names = "--guidance-parallel", paramLabel = "ETA", description = "Weight in [0, 1] of the guidance's part along the "
            + "predicted x0 (adaptive projected guidance, Sadat et al. 2024): that part only scales the image up (saturated, "
            + "over-thick strokes); 0 keeps only the part that changes what is drawn. Default: " + Guidance.DEFAULT_PARALLEL + " (plain guidance).")
    Double parallel;

    @Option(names = "--guide-run", paramLabel = "RUN", description = "Autoguidance (Karras et al. 2024): guide away from this weaker run "
            + "(fewer training steps or a smaller network; same data, diffusion and classes), given the same class, instead of "
            + "from the unconditional branch. Works for unconditional runs too.")
    Path guideRun;

    @Option(names = "--cfg", paramLabel = "W", description = "With --guide-run and --class: also add classifier-free guidance of "
            + "scale W on top of autoguidance: out = good + w (good - weak) + W (good - uncond). Default: 0 (none).")
    Double cfg;

    /** The first guidance flag given (scale, rescale, interval, parallel), or null. */
    String firstFlag() {
        return scale != null ? "--guidance" : rescale != null ? "--guidance-rescale" : interval != null ? "--guidance-interval"
                : parallel != null ? "--guidance-parallel" : null;
    }

    /** The model of {@code --guide-run}, checked against {@code model}; null without the flag. The caller closes it. */
    DiffusionModel openGuide(DiffusionModel model, DiffusionModel.Weights weights) {
        if (guideRun == null) {
            return null;
        }
        DiffusionModel weak = DiffusionModel.open(guideRun, weights, model.device());
        String why = model.guideMismatch(weak);
        if (why != null) {
            weak.close();
            throw new DdpmException("--guide-run " + guideRun + " cannot guide " + model.runDirectory() + ": " + why);
        }
        return weak;
    }

    /**
     * The guide the flags ask for: without {@code --guide-run}, classifier-free guidance of weight {@code --guidance};
     * with it, autoguidance of weight {@code --guidance} away from {@code weak} plus classifier-free guidance of
     * weight {@code --cfg}; then the rescale, interval and projection flags.
     */
    Guide guide(DiffusionModel weak) {
        Guide g = weak == null ? Guide.classifierFree(scale != null ? scale : Defaults.GUIDANCE)
                : Guide.autoguidance(weak, scale != null ? scale : Defaults.AUTOGUIDANCE).withClassifierFree(cfg != null ? cfg : 0);
        g = g.rescale(rescale != null ? rescale : Guidance.DEFAULT_RESCALE);
        if (interval != null) {
            double[] iv = Guidance.parseInterval(interval);
            g = g.interval(iv[0], iv[1]);
        }
        return g.parallel(parallel != null ? parallel : Guidance.DEFAULT_PARALLEL);
    }
}
