package org.ddpm4j.cli;

import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Generation;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The request flags shared by {@code sample}, {@code eval} and {@code inpaint}: seed, class and guidance. */
final class RequestOptions {

    @Option(names = "--seed", defaultValue = "0", description = "Random seed; image i depends only on the seed, i and its class. "
            + "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--class", description = "For a conditional run: the class to draw (an index, or name:FOLDER; a non-numeric "
            + "folder name also works); sample and eval also take 'all' for --n images of every class (eval's default).")
    String classOption;

    @Mixin
    GuidanceOptions guidance = new GuidanceOptions();

    /** The model of {@code --guide-run}, checked against {@code model}; null without the flag. The caller closes it. */
    DiffusionModel openGuide(DiffusionModel model, DiffusionModel.Weights weights) {
        return guidance.openGuide(model, weights);
    }

    /**
     * The generation request of {@code b} with these flags: the seed, the class {@code cls} (checked against the model
     * with the guidance flags, in the CLI's words) and the guide, autoguided by {@code weak} if not null.
     */
    Generation request(Generation.Builder b, DiffusionModel model, DiffusionModel weak, String cls) {
        Conditioning.check(model.conditional(), cls, guidance);
        Generation.Builder r = Conditioning.classes(b.seed(seed), model, cls);
        // no guidance flag: the model's own default (none for a distilled student, whose guidance is built in)
        return (weak == null && guidance.firstFlag() == null ? r : r.guide(guidance.guide(weak))).build();
    }

    /** Says on {@code err} when {@code g} samples at the run's tuned time points, which the user did not ask for by name. */
    static void sayTimePoints(java.io.PrintStream err, DiffusionModel model, Generation g) {
        DiffusionModel.TimePoints tp = model.timePoints(g);
        if (tp.origin().equals("distilled")) {
            boolean consistency = model.samplerSettings(g).kind() == org.ddpm4j.sampler.SamplerConfig.Kind.CONSISTENCY;
            err.printf(java.util.Locale.ROOT, "%s is a distilled student: it samples with %s at %d steps%n", model.runDirectory(),
                    consistency ? "the consistency sampler" : "DDIM", tp.timesteps().length);
        } else if (tp.tuned()) {
            err.printf(java.util.Locale.ROOT, "using the tuned time points in %s for %s at %d steps: %s (--spacing overrides)%n",
                    model.runDirectory().resolve(org.ddpm4j.checkpoint.TunedSchedules.FILE), model.samplerSettings(g).kind().id(),
                    tp.timesteps().length, java.util.Arrays.toString(tp.timesteps()));
        }
    }
}
