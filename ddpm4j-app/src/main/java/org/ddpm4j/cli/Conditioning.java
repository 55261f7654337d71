package org.ddpm4j.cli;

import java.util.Locale;
import org.ddpm4j.DdpmException;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.pipeline.Guidance;

/**
 * What {@code --class} and {@code --guidance} ask of a run, checked against it: the class of every image
 * (null for an unconditional request) and the guidance scale.
 *
 * @param classes the class of each image, or null
 * @param guidance the classifier-free guidance (scale 0 for none)
 * @param all true for {@code --class all} (n images of every class, in class order)
 */
record Conditioning(int[] classes, Guidance guidance, boolean all) {

    /** Checks the flags against the run; {@code names} (index = class, may be empty) lets --class take a class name. */
    static Conditioning resolve(ModelConfig model, java.util.List<String> names, String classOption, GuidanceOptions options, int n) {
        Double guidance = options.scale;
        boolean autoguided = options.guideRun != null;
        if (!model.conditional()) {
            if (classOption != null) {
                throw new DdpmException("--class needs a class-conditional run (train with --conditional)");
            }
            if (!autoguided && options.firstFlag() != null) {
                throw new DdpmException(options.firstFlag() + " needs a class-conditional run (train with --conditional) or a --guide-run");
            }
        }
        if (options.cfg != null && !autoguided) {
            throw new DdpmException("--cfg adds classifier-free guidance to autoguidance and needs a --guide-run (without one, use --guidance)");
        }
        if (options.cfg != null && classOption == null) {
            throw new DdpmException("--cfg needs --class: classifier-free guidance steers towards a class");
        }
        double[] interval = options.interval != null ? Guidance.parseInterval(options.interval)
                : new double[] {Guidance.DEFAULT_FROM, Guidance.DEFAULT_TO};
        Guidance w = new Guidance(guidance != null ? guidance
                : autoguided ? org.ddpm4j.api.Defaults.AUTOGUIDANCE : SampleCommand.DEFAULT_GUIDANCE,
                options.rescale != null ? options.rescale : Guidance.DEFAULT_RESCALE, interval[0], interval[1],
                options.parallel != null ? options.parallel : Guidance.DEFAULT_PARALLEL,
                options.cfg != null ? options.cfg : 0); // checks every range
        if (classOption == null) {
            // unconditional samples (of an unconditional run, or from a conditional one): only autoguidance applies
            return new Conditioning(null, autoguided ? w : Guidance.of(0), false);
        }
        int k = model.classes();
        if (classOption.trim().toLowerCase(Locale.ROOT).equals("all")) {
            int[] cls = new int[n * k];
            for (int c = 0; c < k; c++) {
                for (int i = 0; i < n; i++) {
                    cls[c * n + i] = c;
                }
            }
            return new Conditioning(cls, w, true);
        }
        int c = org.ddpm4j.data.ClassChoice.index(classOption, k, names);
        int[] cls = new int[n];
        java.util.Arrays.fill(cls, c);
        return new Conditioning(cls, w, false);
    }
}
