package org.ddpm4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.DdpmException;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.api.Test;

class UNetTest {

    @Test
    void worksAtEverySupportedSizeAndChannelCount() {
        int[][] cases = {{1, 28}, {1, 32}, {3, 32}, {3, 64}};
        try (NDManager m = NDManager.newBaseManager()) {
            for (int[] c : cases) {
                ModelConfig mc = new ModelConfig(ModelConfig.UNET, c[0], c[1], UNetConfig.tiny());
                try (Denoiser d = Denoiser.create(mc, m, new Rng(0))) {
                    NDArray x = m.create(new Rng(1).gaussians(2 * c[0] * c[1] * c[1]), new Shape(2, c[0], c[1], c[1]));
                    NDArray y = d.forward(x, m.create(new float[] {3, 700}), false);
                    assertEquals(new Shape(2, c[0], c[1], c[1]), y.getShape(), "case " + c[0] + "x" + c[1]);
                    assertTrue(Float.isFinite(y.abs().sum().getFloat()));
                }
            }
        }
    }

    @Test
    void defaultNetworkHasTimeEmbeddingAttentionAndGroupNorm() {
        try (NDManager m = NDManager.newBaseManager();
                Denoiser d = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 28, UNetConfig.defaults()), m, new Rng(0))) {
            long params = d.parameterCount();
            assertTrue(params > 500_000 && params < 5_000_000, "parameter count " + params);
            assertTrue(d.parameters().stream().anyMatch(p -> p.name().contains("attn")), "self-attention");
            assertTrue(d.parameters().stream().anyMatch(p -> p.name().contains("time1")), "time MLP");
            assertTrue(d.parameters().stream().anyMatch(p -> p.name().endsWith("gamma")), "GroupNorm");
            // the output depends on t
            NDArray x = m.create(new Rng(1).gaussians(28 * 28), new Shape(1, 1, 28, 28));
            float a = d.forward(x, m.create(new float[] {10}), false).sum().getFloat();
            float b = d.forward(x, m.create(new float[] {900}), false).sum().getFloat();
            assertTrue(a != b);
        }
    }

    @Test
    void rejectsSizesTheDownsamplingCannotHandle() {
        try (NDManager m = NDManager.newBaseManager()) {
            DdpmException e = assertThrows(DdpmException.class,
                    () -> Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 6, UNetConfig.defaults()), m, new Rng(0)));
            assertTrue(e.getMessage().contains("does not fit a U-Net"), e.getMessage());
        }
    }

    @Test
    void upsampleIsNearestNeighbour() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2));
            float[] y = UNet.upsample2x(x).toFloatArray();
            assertEquals(16, y.length);
            float[] expected = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
            for (int i = 0; i < 16; i++) {
                assertEquals(expected[i], y[i], 0f);
            }
        }
    }
}
