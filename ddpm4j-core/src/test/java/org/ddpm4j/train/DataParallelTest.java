package org.ddpm4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.model.UNetConfig;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training, checked on the CPU: replicas of the network on managers of their own, each computing the
 * gradients of a part of every batch, give the weights, Adam moments and EMAs of one network trained on the whole
 * batch, for several steps with clipping active, and a data-parallel run resumes on one device to the same weights.
 */
class DataParallelTest {

    private static final double WEIGHT_TOLERANCE = 2e-5;
    private static final double MOMENT_TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    private static final ModelConfig MODEL = new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny(), 3);
    private static final DiffusionConfig DIFFUSION = DiffusionConfig.of("cosine", 1000, 1e-4, 0.02, "v");

    private static TrainConfig config() {
        // clip 0.05: every step's gradient norm is above it, so clipping acts on the summed gradient
        return new TrainConfig(TrainConfig.Data.of("mnist", null), TrainConfig.Budget.steps(6),
                new TrainConfig.Optimiser(6, 2e-3, 2, true, 0.01, 0.05, 0.9, List.of(0.10)), new TrainConfig.Objective(5, false),
                new TrainConfig.Conditioning(true, 0.25), 0);
    }

    private static float[] batch(int step) {
        Rng r = new Rng(100 + step);
        float[] x = new float[6 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * r.nextDouble() - 1);
        }
        return x;
    }

    private static final float[] LABELS = {0, 1, 2, 0, 1, 2};

    /** Trains {@code steps} steps with {@code replicas} extra replicas; returns every state tensor, flattened. */
    private static List<float[]> train(int replicas, int steps, Path saveAfter2, Path resumeFrom) {
        ImageSet data = new ImageSet(new float[6 * 64], new int[] {0, 1, 2, 0, 1, 2}, 6, 1, 8, 8, "tiny");
        List<NDManager> managers = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = Denoiser.create(MODEL, m, new Rng(0))) {
            DiffusionTrainer tr = new DiffusionTrainer(net, DIFFUSION.build(), config(), new Rng(7), data);
            if (resumeFrom != null) {
                TrainerCheckpoint.restore(Run.open(resumeFrom), tr);
            }
            List<Denoiser> extra = new ArrayList<>();
            for (int k = 0; k < replicas; k++) {
                NDManager mk = NDManager.newBaseManager();
                managers.add(mk);
                Denoiser r = Denoiser.create(MODEL, mk, new Rng(50 + k)); // other random weights: addReplica overwrites them
                extra.add(r);
                tr.addReplica(r);
            }
            for (long s = tr.stepCount(); s < steps; s++) {
                double loss = tr.step(batch((int) s), new Shape(6, 1, 8, 8), LABELS);
                assertTrue(Double.isFinite(loss));
                assertTrue(tr.lastGradNorm() > 0.05, "clipping is active: " + tr.lastGradNorm());
                if (s + 1 == 2 && saveAfter2 != null) {
                    TrainerCheckpoint.save(saveAfter2, tr, MODEL, DIFFUSION, config(), new com.google.gson.JsonObject());
                }
            }
            for (Denoiser r : extra) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(net.flatWeights().flat().toFloatArray(), r.flatWeights().flat().toFloatArray(),
                        "every replica holds the updated weights");
            }
            List<float[]> state = new ArrayList<>();
            state.add(net.flatWeights().flat().toFloatArray());
            state.add(tr.ema().shadow().toFloatArray());
            state.add(tr.powerEmas().get(0).shadow().toFloatArray());
            for (NDArray a : tr.optimizer().firstMoments()) {
                state.add(a.toFloatArray());
            }
            for (NDArray a : tr.optimizer().secondMoments()) {
                state.add(a.toFloatArray());
            }
            extra.forEach(Denoiser::close);
            return state;
        } finally {
            managers.forEach(NDManager::close);
        }
    }

    /**
     * The stated tolerance. Weights and EMAs: 2e-5 absolute, 1% of the most an Adam step at lr 2e-3 moves a weight
     * (the update is about lr * sign(g) where |g| is tiny, so rounding in a near-zero gradient's sum moves such a weight
     * by a fraction of lr; measured: at most 7.8e-6 after 4 steps, 27 of 45,097 weights above 1e-6). Adam moments: 1e-5
     * of their largest value (measured: 3e-6).
     */
    private static void assertSameState(List<float[]> one, List<float[]> other, String what) {
        assertEquals(one.size(), other.size());
        String[] names = {"weights", "EMA", "power-function EMA"};
        for (int i = 0; i < one.size(); i++) {
            float[] a = one.get(i);
            float[] b = other.get(i);
            assertEquals(a.length, b.length);
            double diff = 0;
            double scale = 0;
            for (int j = 0; j < a.length; j++) {
                diff = Math.max(diff, Math.abs(a[j] - b[j]));
                scale = Math.max(scale, Math.abs(a[j]));
            }
            double tolerance = i < 3 ? WEIGHT_TOLERANCE : MOMENT_TOLERANCE * scale;
            assertTrue(diff <= tolerance, what + ": " + (i < 3 ? names[i] : "Adam moment " + (i - 2)) + " differs by " + diff + " > " + tolerance);
        }
    }

    @Test
    void twoAndThreeReplicasEqualOneDeviceWithTheWholeBatch() {
        List<float[]> one = train(0, 4, null, null);
        assertSameState(one, train(1, 4, null, null), "2 replicas, batch 6 as 3 + 3");
        assertSameState(one, train(2, 4, null, null), "3 replicas, batch 6 as 2 + 2 + 2");
        List<float[]> fewer = train(0, 3, null, null);
        double step = 0;
        for (int j = 0; j < one.get(0).length; j++) {
            step = Math.max(step, Math.abs(one.get(0)[j] - fewer.get(0)[j]));
        }
        assertTrue(step > 50 * WEIGHT_TOLERANCE, "the comparison can fail: one step fewer moves the weights by " + step);
    }

    @Test
    void aDataParallelRunResumesOnOneDevice() throws Exception {
        Path saved = Files.createDirectories(dir.resolve("run"));
        train(1, 2, saved, null);
        assertSameState(train(0, 4, null, null), train(0, 4, null, saved), "2 replicas for 2 steps, then 1 device for 2");
    }

    @Test
    void aReplicaMustBeTheSameNetwork() {
        ImageSet data = new ImageSet(new float[6 * 64], null, 6, 1, 8, 8, "tiny");
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = Denoiser.create(MODEL, m, new Rng(0));
                NDManager m2 = NDManager.newBaseManager();
                Denoiser other = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny()), m2, new Rng(0))) {
            DiffusionTrainer tr = new DiffusionTrainer(net, DIFFUSION.build(), config(), new Rng(7), data);
            assertThrows(IllegalArgumentException.class, () -> tr.addReplica(other));
        }
    }
}
