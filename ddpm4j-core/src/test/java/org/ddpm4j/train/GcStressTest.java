package org.ddpm4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.model.UNetConfig;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.TensorsTest;
import org.junit.jupiter.api.Test;

/**
 * Training must not depend on memory the JVM may free: the same steps give bit-identical losses and weights
 * whether or not every step is followed by a GC that frees all unreachable direct buffers and by writes of
 * NaN patterns into freshly allocated ones (which reuse that memory). A tensor left pointing at a collected
 * Java buffer shows up here as a NaN or a changed loss.
 */
class GcStressTest {

    private static final int STEPS = 40;
    private static final int B = 8;

    @Test
    void conditionalUNetTrainingIsUnaffectedByGcAndReusedDirectMemory() {
        double[][] calm = new double[2][];
        float[][] weights = new float[2][];
        for (int run = 0; run < 2; run++) {
            boolean pressure = run == 1;
            Rng data = new Rng(11);
            float[] px = new float[B * 64];
            float[] labels = new float[B];
            ImageSet set = new ImageSet(new float[64], new int[] {0}, 1, 1, 8, 8, "unused");
            TrainConfig tc = new TrainConfig(TrainConfig.Data.of("mnist", null), TrainConfig.Budget.steps(STEPS),
                new TrainConfig.Optimiser(B, 1e-3, 5, true, 0.01, 1.0, 0.99), new TrainConfig.Objective(5.0, false),
                new TrainConfig.Conditioning(true, 0.2), 0);
            calm[run] = new double[STEPS];
            try (NDManager m = NDManager.newBaseManager();
                    Denoiser net = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny(), 3), m, new Rng(0))) {
                DiffusionTrainer tr = new DiffusionTrainer(net, DiffusionConfig.seed().build(), tc, new Rng(2), set);
                for (int s = 0; s < STEPS; s++) {
                    for (int i = 0; i < px.length; i++) {
                        px[i] = (float) (data.nextDouble() * 2 - 1);
                    }
                    for (int i = 0; i < B; i++) {
                        labels[i] = data.nextInt(3);
                    }
                    calm[run][s] = tr.step(px, new Shape(B, 1, 8, 8), labels);
                    assertTrue(Double.isFinite(calm[run][s]), "loss at step " + (s + 1) + " is " + calm[run][s]);
                    if (pressure) {
                        TensorsTest.scribbleOverFreedDirectMemory();
                    }
                }
                weights[run] = net.parameters().get(0).array().toFloatArray();
            }
        }
        assertArrayEquals(calm[0], calm[1], 0.0, "GC must not change training");
        assertArrayEquals(weights[0], weights[1], 0f);
    }
}
