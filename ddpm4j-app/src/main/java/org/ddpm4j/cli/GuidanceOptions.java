package org.ddpm4j.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import java.nio.file.Path;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.pipeline.DiffusionPipeline;
import org.ddpm4j.pipeline.Guidance;
import picocli.CommandLine.Option;

/** The guidance flags of {@code sample}, {@code eval} and {@code inpaint}: classifier-free guidance and autoguidance. */
final class GuidanceOptions {

    @Option(names = "--guidance", description = "Guidance scale w: out = cond + w (cond - uncond), or with --guide-run "
            + "out = good + w (good - weak); 0 = no guidance. Default: " + SamplerOptions.DEFAULT_GUIDANCE + " ("
            + org.ddpm4j.api.Defaults.AUTOGUIDANCE + " with --guide-run).")
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

    /** The network of {@code --guide-run}, checked against {@code main} (null without the flag). */
    Denoiser loadGuide(Run main, NDManager manager, boolean preferEma) {
        if (guideRun == null) {
            return null;
        }
        Run guide = Run.open(guideRun);
        String why = mismatch(main, guide);
        if (why != null) {
            throw new DdpmException("--guide-run " + guideRun + " cannot guide " + main.dir() + ": " + why);
        }
        return guide.loadModel(manager, preferEma);
    }

    /** Why {@code guide} cannot guide {@code main}, or null if it can. */
    static String mismatch(Run main, Run guide) {
        String shape = DiffusionPipeline.guideMismatch(main.model(), guide.model());
        if (shape != null) {
            return shape;
        }
        // the networks may differ in width and depth; the process and the data may not
        if (!main.diffusion().equals(guide.diffusion())) {
            return "its diffusion " + guide.diffusion() + " differs from the run's " + main.diffusion();
        }
        for (String key : new String[] {"data", "digit"}) {
            String x = text(main.trainSection().get(key));
            String y = text(guide.trainSection().get(key));
            if (!x.equals(y)) {
                return "it was trained with " + key + " " + y + ", the run with " + x;
            }
        }
        return null;
    }

    private static String text(JsonElement e) {
        return e == null || e.isJsonNull() ? "none" : e.getAsString();
    }

}
