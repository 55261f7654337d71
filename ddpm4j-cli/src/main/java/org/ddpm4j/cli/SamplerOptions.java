package org.ddpm4j.cli;

import org.ddpm4j.api.Defaults;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Generation;
import org.ddpm4j.api.SamplerKind;
import org.ddpm4j.sampler.TimestepSpacing;
import org.ddpm4j.sampler.SamplerConfig;
import picocli.CommandLine.Option;

/** The sampler flags shared by {@code sample} and {@code eval}. */
public final class SamplerOptions {

    public static final String DEFAULT_UNET_SAMPLER = "ddim"; // Defaults.UNET_SAMPLER, spelt out for the flag's help text
    public static final int DEFAULT_UNET_STEPS = Defaults.UNET_STEPS;

    @Option(names = "--sampler", description = "Sampler: ddpm (ancestral), ddim, dpm++ (2M), dpm++3m, ipndm or consistency (for consistency-distilled runs) (default: seed runs ddpm, U-Net runs "
            + DEFAULT_UNET_SAMPLER + ").")
    String sampler;

    @Option(names = "--steps", description = "Network calls per image (default: seed runs all T, U-Net runs " + DEFAULT_UNET_STEPS + ").")
    Integer steps;

    @Option(names = "--eta", defaultValue = "0", description = "DDIM eta: 0 deterministic, 1 ancestral. Default: ${DEFAULT-VALUE}.")
    double eta;

    @Option(names = "--spacing", description = "Timestep spacing: linspace, leading or trailing (default: seed linspace, U-Net trailing).")
    String spacing;

    @Option(names = "--variance", defaultValue = "beta", description = "ddpm variance: beta (the seed's) or posterior. Default: ${DEFAULT-VALUE}.")
    String variance;

    @Option(names = "--clip-x0", negatable = true, description = "Clip the predicted x0 to [-1, 1] (default: off for seed runs, on for U-Net runs).")
    Boolean clipX0;

    @Option(names = "--ema", negatable = true,
            description = "Sample with the run's EMA weights (--no-ema: the raw trained weights). Default: the weights the meter chose at the end of training, else the EMA.")
    Boolean ema;

    @Option(names = "--weights", paramLabel = "W",
            description = "Which weights: best (default: the meter's choice at the end of training, else the EMA), ema, raw, "
                    + "or ema:SIGMA_REL, a power-function EMA kept by a run trained with --ema-std.")
    String weightsChoice;

    /** The weights {@code --weights}, or else {@code --ema} / {@code --no-ema}, ask for; {@code best} if neither is given. */
    DiffusionModel.Weights weights() {
        if (weightsChoice != null) {
            return DiffusionModel.Weights.parse(weightsChoice);
        }
        return ema == null ? DiffusionModel.Weights.BEST : ema ? DiffusionModel.Weights.EMA : DiffusionModel.Weights.RAW;
    }

    /** Tells {@code err} which weights the meter chose, when they are the ones in use. */
    static void sayWeights(java.io.PrintStream err, DiffusionModel model) {
        model.chosenWeights().ifPresent(c -> err.println("weights: " + org.ddpm4j.api.WeightChoice.describe(c)
                + ", chosen at the end of training (--weights ema|raw to override)"));
    }

    /** The sampler the flags ask for, set on {@code b}; what is not given stays the model's default. */
    Generation.Builder apply(Generation.Builder b) {
        if (sampler != null) {
            b.sampler(SamplerKind.of(sampler));
        }
        if (steps != null) {
            b.steps(steps);
        }
        b.eta(eta);
        if (spacing != null) {
            b.spacing(TimestepSpacing.parse(spacing));
        }
        b.variance(SamplerConfig.parseVariance(variance));
        if (clipX0 != null) {
            b.clipX0(clipX0);
        }
        return b;
    }
}
