package org.ddpm4j.cli;

import static org.ddpm4j.cli.DataOptions.set;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.Training;
import org.ddpm4j.checkpoint.Run;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ./ddpm train}: trains a denoiser and writes a run directory. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a diffusion model and write a run directory (checkpoint, config, training log, "
                + "loss curve, sample grids). Defaults depend on --model: 'seed' is the seed's exact recipe.")
final class TrainCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--out", required = true, description = "Run directory to write.")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out exactly where its last checkpoint left it.")
    boolean resume;

    @Mixin
    DataOptions dataOptions = new DataOptions();

    @Option(names = "--model", defaultValue = "unet", description = "Network: unet or seed. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--epochs", description = "Budget: passes over the data (seed default: 20).")
    Integer epochs;

    @Option(names = "--steps", description = "Budget: optimizer steps.")
    Long steps;

    @Option(names = "--minutes", description = "Budget: minutes of training (unet default: 30).")
    Double minutes;

    @Option(names = "--batch", description = "Batch size (default: 64).")
    Integer batch;

    @Option(names = "--lr", description = "Peak learning rate (seed: 1e-4; unet: 1e-3).")
    Double lr;

    @Option(names = "--warmup", description = "Learning-rate warm-up steps (seed: 0; unet: 200).")
    Integer warmup;

    @Option(names = "--cosine", negatable = true, description = "Cosine learning-rate decay after warm-up (seed: off; unet: on).")
    Boolean cosine;

    @Option(names = "--weight-decay", description = "AdamW decoupled weight decay (default: 0).")
    Double weightDecay;

    @Option(names = "--clip", description = "Global gradient-norm clipping, 0 = off (seed: 0; unet: 1).")
    Double clip;

    @Option(names = "--ema", description = "EMA decay of the weights, 0 = off (seed: 0; unet: 0.999).")
    Double ema;

    @Option(names = "--ema-std", split = ",", paramLabel = "SIGMA_REL",
            description = "Also keep EDM2 power-function EMAs of these relative widths (e.g. 0.05,0.10), for sample --weights ema:SIGMA_REL.")
    java.util.List<Double> emaStds;

    @Mixin
    NetworkOptions networkOptions = new NetworkOptions();

    @Option(names = "--skip-nonfinite", description = "Skip batches whose loss is NaN or infinite instead of stopping.")
    boolean skipNonFinite;

    @Option(names = "--sample-every", description = "Write a 4x4 sample grid every N steps (default: unet 1000, seed off).")
    Integer sampleEvery;

    @Option(names = "--checkpoint-every", description = "Write the checkpoint every N steps (default: 500; 0 = only at the end).")
    Integer checkpointEvery;

    @Option(names = "--guide-at", paramLabel = "STEP", description = "Also keep the weights of step STEP in RUN/" + Training.GUIDE
            + ", a run of its own: the run's earlier, weaker self, ready for autoguidance (--guide-run RUN/" + Training.GUIDE
            + ") without a second training. Default: off.")
    Long guideAt;

    @Option(names = "--choose-weights", paramLabel = "N", description = "At the end, score each kept set of weights (EMA, power-function EMAs, raw) "
            + "with the meter on N images of a held-out seed and sample with the best (RUN/weights.json); 0 = off. Needs the meter's "
            + "classifier cached (any earlier eval on the data). Default: unet 200, seed 0.")
    Integer chooseWeights;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--force", description = "Overwrite a run directory that already holds a checkpoint.")
    boolean force;

    @Option(names = "--stop-after", hidden = true, description = "Testing aid: stop after this step as if killed (no final save).")
    Long stopAfter;

    @Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    @Override
    public Integer call() {
        Training.Plan plan;
        if (resume) {
            plan = Training.resumePlan(out);
        } else {
            if (Run.exists(out) && !force) {
                throw new DdpmException(out + " already holds a trained run; choose another --out, pass --resume to continue it, or --force to overwrite it");
            }
            plan = recipe().plan();
        }
        plan = plan.on(deviceOptions.devices());
        try {
            Training.run(plan, out, resume, main.out, main.err, stopAfter == null ? Long.MAX_VALUE : stopAfter);
        } catch (Training.Stopped e) {
            main.out.println("stopped after step " + stopAfter + " (--stop-after)");
            return 0;
        }
        main.out.println("run written to " + out);
        return 0;
    }

    /** The flags onto the API's recipe; every default lives there. */
    private Training.Recipe recipe() {
        Training.Recipe r = networkOptions.apply(dataOptions.apply(Training.recipe(model))).seed(seed).skipNonFinite(skipNonFinite);
        set(epochs, r::epochs);
        set(steps, r::steps);
        set(minutes, r::minutes);
        set(batch, r::batch);
        set(lr, r::lr);
        set(warmup, r::warmup);
        set(cosine, r::cosine);
        set(weightDecay, r::weightDecay);
        set(clip, r::clip);
        set(ema, r::ema);
        set(emaStds, r::emaStds);
        set(sampleEvery, r::sampleEvery);
        set(checkpointEvery, r::checkpointEvery);
        set(guideAt, r::guideAt);
        set(chooseWeights, r::chooseWeights);
        return r;
    }
}
