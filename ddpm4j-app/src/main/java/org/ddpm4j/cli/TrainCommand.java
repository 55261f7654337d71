package org.ddpm4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.Training;
import org.ddpm4j.checkpoint.Run;
import picocli.CommandLine.Command;
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

    @Option(names = "--data", defaultValue = "mnist", description = "Dataset: mnist (embedded), idx:DIR (MNIST-format files) or "
            + "folder:DIR (PNG/JPEG/GIF/BMP pictures; subfolders are classes). Default: ${DEFAULT-VALUE}.")
    String data;

    @Option(names = "--size", description = "folder: data: side of the square training images (short-side resize, centre crop; default 32).")
    Integer size;

    @Option(names = "--channels", description = "folder: data: 1 (gray) or 3 (RGB); default: inferred from the pictures.")
    Integer channels;

    @Option(names = "--flip", negatable = true, description = "Random horizontal flips of training images (default: on for folder: data, off otherwise).")
    Boolean flip;

    @Option(names = "--digit", description = "Train on this class only (default: all classes).")
    Integer digit;

    @Option(names = "--conditional", description = "Train a class-conditional U-Net on all classes (for --class and --guidance at sampling).")
    boolean conditional;

    @Option(names = "--p-uncond", defaultValue = "0.1", description = "With --conditional: probability of dropping the label. Default: ${DEFAULT-VALUE}.")
    double pUncond;

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

    @Option(names = "--seed", defaultValue = "0", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--force", description = "Overwrite a run directory that already holds a checkpoint.")
    boolean force;

    @Option(names = "--stop-after", hidden = true, description = "Testing aid: stop after this step as if killed (no final save).")
    Long stopAfter;

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
        Training.Recipe r = Training.recipe(model).data(data).conditional(conditional).pUncond(pUncond).seed(seed)
                .scaleShift(scaleShift).skipNonFinite(skipNonFinite);
        if (digit != null) {
            r.digit(digit);
        }
        if (epochs != null) {
            r.epochs(epochs);
        }
        if (steps != null) {
            r.steps(steps);
        }
        if (minutes != null) {
            r.minutes(minutes);
        }
        if (batch != null) {
            r.batch(batch);
        }
        if (lr != null) {
            r.lr(lr);
        }
        if (warmup != null) {
            r.warmup(warmup);
        }
        if (cosine != null) {
            r.cosine(cosine);
        }
        if (weightDecay != null) {
            r.weightDecay(weightDecay);
        }
        if (clip != null) {
            r.clip(clip);
        }
        if (ema != null) {
            r.ema(ema);
        }
        if (schedule != null) {
            r.schedule(schedule);
        }
        if (prediction != null) {
            r.prediction(prediction);
        }
        if (minSnr != null) {
            r.minSnr(minSnr);
        }
        if (base != null) {
            r.base(base);
        }
        if (mults != null) {
            r.mults(mults);
        }
        if (blocks != null) {
            r.blocks(blocks);
        }
        if (attention != null) {
            r.attention(attention);
        }
        if (dropout != null) {
            r.dropout(dropout);
        }
        if (sampleEvery != null) {
            r.sampleEvery(sampleEvery);
        }
        if (checkpointEvery != null) {
            r.checkpointEvery(checkpointEvery);
        }
        if (guideAt != null) {
            r.guideAt(guideAt);
        }
        if (size != null) {
            r.size(size);
        }
        if (channels != null) {
            r.channels(channels);
        }
        if (flip != null) {
            r.flip(flip);
        }
        return r;
    }
}
