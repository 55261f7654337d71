package org.ddpm4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.api.Test;

class SimpleDenoiseNetTest {

    @Test
    void hasTheSeedsParameterCountAndShapes() {
        try (NDManager m = NDManager.newBaseManager(); Denoiser d = Denoiser.create(ModelConfig.seed(1, 28), m, new Rng(0))) {
            // (2*9*64 + 64) + (64*9*128 + 128) + (128*9*128 + 128) + (128*9*1 + 1)
            assertEquals(1216 + 73856 + 147584 + 1153, d.parameterCount());
            assertEquals(223_809, d.parameterCount());
            assertEquals(8, d.parameters().size());
            assertArrayEquals(new long[] {64, 2, 3, 3}, d.parameters().get(0).array().getShape().getShape());
        }
    }

    @Test
    void mapsABatchToTheSameShapeAndUsesTheTimestep() {
        try (NDManager m = NDManager.newBaseManager(); Denoiser d = Denoiser.create(ModelConfig.seed(1, 28), m, new Rng(0))) {
            NDArray x = m.create(new Rng(1).gaussians(3 * 28 * 28), new Shape(3, 1, 28, 28));
            NDArray a = d.forward(x, m.create(new float[] {0, 0, 0}), false);
            NDArray b = d.forward(x, m.create(new float[] {999, 999, 999}), false);
            assertEquals(new Shape(3, 1, 28, 28), a.getShape());
            assertNotEquals(a.sub(b).abs().max().getFloat(), 0f, "t must change the output");
        }
    }

    @Test
    void initialisationIsTorchLikeAndSeeded() {
        try (NDManager m = NDManager.newBaseManager();
                Denoiser d1 = Denoiser.create(ModelConfig.seed(1, 28), m, new Rng(4));
                Denoiser d2 = Denoiser.create(ModelConfig.seed(1, 28), m, new Rng(4))) {
            for (int i = 0; i < d1.parameters().size(); i++) {
                float[] w = d1.parameters().get(i).array().toFloatArray();
                assertArrayEquals(w, d2.parameters().get(i).array().toFloatArray(), 0f);
            }
            // conv1 weight: fan_in = 2*3*3 = 18, bound 1/sqrt(18)
            float[] w0 = d1.parameters().get(0).array().toFloatArray();
            double bound = 1 / Math.sqrt(18);
            double maxAbs = 0;
            for (float v : w0) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            assertTrue(maxAbs <= bound && maxAbs > 0.9 * bound, "uniform in +-1/sqrt(fan_in): " + maxAbs);
        }
    }
}
