package org.ddpm4j.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.data.Datasets;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.train.DiffusionTrainer;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.util.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ./ddpm bench}: training throughput of a network on one digit class, measured the way
 * {@code bench/seed_train.py} measures the seed's PyTorch loop (warm-up, then shuffled batches, data
 * assembly included). Prints one JSON line.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training images/s (one JSON line); see bench/train_speed.sh for the PyTorch comparison.")
final class BenchCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--steps", defaultValue = "100", description = "Timed steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--warmup", defaultValue = "10", description = "Untimed steps first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--digit", defaultValue = "1", description = "MNIST class to train on. Default: ${DEFAULT-VALUE}.")
    int digit;

    @Override
    public Integer call() {
        if (steps < 1 || warmup < 0) {
            throw new DdpmException("--steps must be >= 1 and --warmup >= 0");
        }
        ImageSet data = Datasets.embeddedMnist().filterLabel(digit);
        TrainConfig tc = TrainConfig.seed("mnist", digit, 1, 0);
        tc = tc.withOptimiser(tc.optimiser().withBatchSize(batch));
        Rng rng = new Rng(0);
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = Denoiser.create(ModelConfig.seed(1, data.height()), m, rng)) {
            DiffusionTrainer trainer = new DiffusionTrainer(net, DiffusionConfig.seed().build(), tc, rng, data);
            int per = data.imageSize();
            long images = 0;
            long start = 0;
            int done = 0;
            while (done < warmup + steps) {
                int[] order = rng.permutation(data.size());
                for (int s = 0; s < data.size() && done < warmup + steps; s += batch) {
                    if (done == warmup) {
                        start = System.nanoTime();
                        images = 0;
                    }
                    int b = Math.min(batch, data.size() - s);
                    float[] x = new float[b * per];
                    for (int i = 0; i < b; i++) {
                        data.copyImage(order[s + i], x, i * per);
                    }
                    trainer.step(x, new Shape(b, 1, data.height(), data.width()));
                    images += b;
                    done++;
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            main.out.printf(Locale.ROOT, "{\"impl\": \"ddpm4j\", \"model\": \"seed\", \"steps\": %d, \"images_per_s\": %.1f}%n",
                    steps, images / secs);
        }
        return 0;
    }
}
