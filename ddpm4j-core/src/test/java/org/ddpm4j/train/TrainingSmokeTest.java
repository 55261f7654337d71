package org.ddpm4j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.data.Datasets;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.api.Test;

class TrainingSmokeTest {

    @Test
    void seedRecipeLossFallsOnAFewHundredImages() {
        ImageSet ones = Datasets.embeddedMnist().filterLabel(1);
        // the first 320 ones: a few hundred images, 5 batches of 64 per epoch
        float[] px = new float[320 * 784];
        for (int i = 0; i < 320; i++) {
            ones.copyImage(i, px, i * 784);
        }
        ImageSet small = new ImageSet(px, null, 320, 1, 28, 28, "320 ones");
        TrainConfig tc = TrainConfig.seed("mnist", 1, 6, 0);
        List<Double> losses = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager();
                Denoiser net = Denoiser.create(ModelConfig.seed(1, 28), m, new Rng(0))) {
            DiffusionTrainer trainer = new DiffusionTrainer(net, DiffusionConfig.seed().build(), tc, new Rng(0), small);
            long start = System.nanoTime();
            trainer.run((step, total, epoch, loss, ips) -> losses.add(loss), t -> { });
            long wall = System.nanoTime() - start;
            long[] phases = trainer.phaseNanos();
            long sum = java.util.Arrays.stream(phases).sum();
            assertTrue(sum <= wall && sum > wall / 2, "the timed parts cover the run: " + sum + " of " + wall + " ns");
            for (DiffusionTrainer.Phase p : new DiffusionTrainer.Phase[] {DiffusionTrainer.Phase.FORWARD, DiffusionTrainer.Phase.BACKWARD,
                    DiffusionTrainer.Phase.OPTIMIZER, DiffusionTrainer.Phase.BATCH}) {
                assertTrue(phases[p.ordinal()] > 0, p + " is timed");
            }
            assertTrue(phases[DiffusionTrainer.Phase.BACKWARD.ordinal()] > phases[DiffusionTrainer.Phase.OPTIMIZER.ordinal()],
                    "backward costs more than Adam");
        }
        assertTrue(losses.size() == 30, "6 epochs x 5 batches");
        double first = losses.subList(0, 5).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = losses.subList(25, 30).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(first > 0.8, "an untrained net predicts noise badly: " + first);
        assertTrue(last < 0.8 * first, "loss must fall: first " + first + ", last " + last);
    }
}
