package org.ddpm4j.cli;

import static org.ddpm4j.cli.DataOptions.set;

import org.ddpm4j.api.Training;
import picocli.CommandLine.Option;

/** {@code ./ddpm train}'s network and objective flags, set onto a recipe; what is not given keeps the recipe's default. */
final class NetworkOptions {

    @Option(names = "--schedule", description = "Noise schedule: linear, cosine or sigmoid (seed: linear; unet: cosine).")
    String schedule;

    @Option(names = "--prediction", description = "Network target: eps, x0 or v (seed: eps; unet: v).")
    String prediction;

    @Option(names = "--min-snr", description = "min-SNR-gamma loss weighting, 0 = off (seed: 0; unet: 5; conditional unet: 0).")
    Double minSnr;

    @Option(names = "--base", description = "U-Net base channels (default: 32).")
    Integer base;

    @Option(names = "--mults", split = ",", description = "U-Net channel multipliers per level (default: 1,2,2).")
    int[] mults;

    @Option(names = "--blocks", description = "U-Net residual blocks per level (default: 2).")
    Integer blocks;

    @Option(names = "--attention", split = ",", description = "U-Net levels with self-attention (default: the lowest).")
    int[] attention;

    @Option(names = "--dropout", description = "U-Net dropout (default: 0).")
    Float dropout;

    @Option(names = "--scale-shift", description = "U-Net residual blocks scale and shift their GroupNorm by the time"
            + " (and class) embedding, GN(h) * (1 + s) + b, instead of adding it (default: off).")
    boolean scaleShift;

    Training.Recipe apply(Training.Recipe r) {
        r.scaleShift(scaleShift);
        set(schedule, r::schedule);
        set(prediction, r::prediction);
        set(minSnr, r::minSnr);
        set(base, r::base);
        set(mults, r::mults);
        set(blocks, r::blocks);
        set(attention, r::attention);
        set(dropout, r::dropout);
        return r;
    }
}
