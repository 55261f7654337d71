package org.ddpm4j.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

public class TensorsTest {

    /** Frees every unreachable direct buffer, then fills fresh ones with 0xFF (a NaN pattern) to reuse that memory. */
    public static void scribbleOverFreedDirectMemory() {
        System.gc();
        List<ByteBuffer> junk = new ArrayList<>();
        for (int size = 64; size <= 1 << 20; size *= 4) {
            for (int k = 0; k < 4; k++) {
                ByteBuffer b = ByteBuffer.allocateDirect(size);
                while (b.hasRemaining()) {
                    b.put((byte) 0xFF);
                }
                junk.add(b);
            }
        }
        junk.clear();
    }

    @Test
    void tensorsMadeFromJavaDataSurviveTheirBuffersBeingCollectedAndReused() {
        float[] data = new Rng(3).gaussians(4096);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray t = Tensors.fromJava(m, data, new Shape(64, 64));
            NDArray view = t.reshape(4096); // a view shares storage: it must not depend on a Java buffer either
            NDArray target = m.zeros(new Shape(64, 64));
            Tensors.copyInto(target, data);
            for (int i = 0; i < 5; i++) {
                scribbleOverFreedDirectMemory();
            }
            assertArrayEquals(data, t.toFloatArray(), 0f);
            assertArrayEquals(data, view.toFloatArray(), 0f);
            assertArrayEquals(data, target.toFloatArray(), 0f);
        }
    }

    @Test
    void copyIntoOverwritesNonFiniteValuesAndChecksTheSize() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray target = Tensors.fromJava(m, new float[] {Float.NaN, Float.POSITIVE_INFINITY, 1f});
            Tensors.copyInto(target, new float[] {1f, 2f, 3f});
            assertArrayEquals(new float[] {1f, 2f, 3f}, target.toFloatArray(), 0f);
            assertThrows(IllegalArgumentException.class, () -> Tensors.copyInto(target, new float[2]));
        }
    }

    @Test
    void aScaledTensorsGradientSurvivesAGcBetweenForwardAndBackward() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = Tensors.fromJava(m, new Rng(4).gaussians(64), new Shape(8, 8));
            w.setRequiresGradient(true);
            NDArray x = Tensors.fromJava(m, new Rng(5).gaussians(64), new Shape(8, 8));
            try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                NDArray y = Tensors.scale(x.matMul(w), 0.25f).sum();
                for (int i = 0; i < 3; i++) {
                    scribbleOverFreedDirectMemory(); // frees and overwrites any Java buffer autograd might still use
                }
                gc.backward(y);
            }
            // d/dw sum(0.25 * x w) = 0.25 * x^T 1
            float[] xs = x.toFloatArray();
            float[] g = w.getGradient().toFloatArray();
            for (int r = 0; r < 8; r++) {
                float col = 0;
                for (int i = 0; i < 8; i++) {
                    col += xs[i * 8 + r];
                }
                for (int c = 0; c < 8; c++) {
                    org.junit.jupiter.api.Assertions.assertEquals(0.25f * col, g[r * 8 + c], 1e-5f);
                }
            }
        }
    }

    @Test
    void withoutGradTurnsAutogradOffInsideAndRestoresItAfterAReturnOrAThrow() {
        ai.djl.engine.Engine.getInstance();
        boolean before = ai.djl.pytorch.jni.JniUtils.isGradMode();
        try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
            org.junit.jupiter.api.Assertions.assertTrue(ai.djl.pytorch.jni.JniUtils.isGradMode());
            boolean inside = Tensors.withoutGrad(ai.djl.pytorch.jni.JniUtils::isGradMode);
            org.junit.jupiter.api.Assertions.assertFalse(inside);
            org.junit.jupiter.api.Assertions.assertTrue(ai.djl.pytorch.jni.JniUtils.isGradMode());
            assertThrows(IllegalStateException.class, () -> Tensors.withoutGrad(() -> {
                throw new IllegalStateException("boom");
            }));
            org.junit.jupiter.api.Assertions.assertTrue(ai.djl.pytorch.jni.JniUtils.isGradMode());
        }
        org.junit.jupiter.api.Assertions.assertEquals(before, ai.djl.pytorch.jni.JniUtils.isGradMode());
        // with autograd already off it stays off
        org.junit.jupiter.api.Assertions.assertFalse(Tensors.withoutGrad(ai.djl.pytorch.jni.JniUtils::isGradMode));
    }
}
