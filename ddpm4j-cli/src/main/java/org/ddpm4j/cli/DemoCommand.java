package org.ddpm4j.cli;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Generation;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.data.Datasets;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.image.Images;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.util.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ./ddpm demo}: the seed's script end to end. Loads the checkpoint if it exists, else trains the
 * seed's network on one MNIST digit and saves it; samples one image with the 1000-step ancestral sampler
 * and writes it beside a random real training digit.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The seed's script: train (or load) the seed's network on one digit, sample one image with "
                + "the 1000-step DDPM sampler, and write it beside a real digit as one PNG.")
final class DemoCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--digit", defaultValue = "1", description = "The MNIST digit to learn. Default: ${DEFAULT-VALUE}.")
    int digit;

    @Option(names = "--epochs", defaultValue = "20", description = "Training epochs if no checkpoint exists. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--checkpoint", description = "Run directory of the checkpoint to load or create. Default: runs/demo-digit<D>.")
    Path checkpoint;

    @Option(names = "--out", defaultValue = "demo.png", description = "The PNG to write. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public Integer call() {
        if (digit < 0 || digit > 9) {
            throw new DdpmException("--digit must be 0..9, got " + digit);
        }
        Path runDir = checkpoint != null ? checkpoint : Path.of("runs", "demo-digit" + digit);
        if (epochs < 1) {
            throw new DdpmException("--epochs must be >= 1, got " + epochs);
        }
        TrainConfig tc = TrainConfig.seed("mnist", digit, epochs, seed);
        if (Run.exists(runDir)) {
            main.out.println("Loading model from checkpoint " + runDir.resolve(Run.CHECKPOINT));
        } else {
            main.out.println("Training model...");
            org.ddpm4j.api.Training.Plan plan = new org.ddpm4j.api.Training.Plan(ModelConfig.seed(1, 28), DiffusionConfig.seed(), tc, 0, 0, 0);
            org.ddpm4j.api.Training.run(plan, runDir, false, main.out, main.err);
            main.out.println("Model saved to " + runDir.resolve(Run.CHECKPOINT));
        }
        Run run = Run.open(runDir);
        Integer trained = run.train().data().digit();
        if (trained != null && trained != digit) {
            throw new DdpmException(runDir + " was trained on digit " + trained + ", not " + digit
                    + "; pass --checkpoint with another directory");
        }
        ImageSet real = Datasets.embeddedMnist().filterLabel(digit);
        long sampleSeed = seed ^ 0x5DEECE66DL;
        float[] generated;
        try (DiffusionModel model = DiffusionModel.open(runDir)) { // the seed's sampler: ancestral, all T steps
            generated = model.generate(Generation.builder().count(1).batch(1).seed(sampleSeed).build(),
                    SampleCommand.progress(main.err, "sample", null)).values();
        }
        Rng rng = new Rng(sampleSeed);
        rng.nextLong(); // the generation's noise stream
        int idx = rng.nextInt(real.size());
        int s = real.height();
        BufferedImage gen = Images.toImage(generated, 0, 1, s, s);
        BufferedImage ref = Images.toImage(real.image(idx), 0, 1, s, s);
        Images.writePng(Images.captioned(List.of(gen, ref),
                List.of("generated (DDPM, " + run.diffusion().steps() + " steps)", String.format(Locale.ROOT, "real digit %d (#%d)", digit, idx)),
                8), out);
        main.out.println(out.toAbsolutePath().normalize());
        return 0;
    }
}
