package org.ddpm4j.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * oneDNN's blocked convolution kernels read the unused part of a partly filled block of channels (memory
 * PyTorch does not clear) and multiply it by zero: harmless for finite leftovers, NaN for a NaN. So freed
 * heap memory is filled with NaN bytes before each convolution here, and {@link PaddedConv2d} must still give
 * finite outputs and gradients for channel counts that are not whole blocks (24 input channels: forward; 24 or
 * 40 output channels: input gradient). On an AMD EPYC with AVX-512 the plain convolution gives NaN for those
 * shapes under the same scribbling ({@code bench/ChannelBlockCheck.java raw}).
 */
class ChannelBlockTest {

    /** Fills blocks of many sizes with 0xFF bytes (a float NaN) and frees them, so the next allocations reuse NaN memory. */
    static void scribbleNaNOverFreedHeap() {
        List<Long> blocks = new ArrayList<>();
        for (long size = 1 << 12; size <= 1 << 21; size <<= 1) {
            for (int k = 0; k < 3; k++) {
                long p = Native.malloc(size + 64L * k);
                new Pointer(p).setMemory(0, size + 64L * k, (byte) 0xFF);
                blocks.add(p);
            }
        }
        for (long p : blocks) {
            Native.free(p);
        }
    }

    /** Forward and backward of one convolution after scribbling; returns which of output, input gradient, weight gradient hold a NaN. */
    static String nanIn(NDManager parent, int ic, int oc, int k, int stride, boolean padded) {
        try (NDManager m = parent.newSubManager()) {
            NDArray x = m.randomNormal(new Shape(8, ic, 14, 14));
            x.setRequiresGradient(true);
            NDArray w = m.randomNormal(new Shape(oc, ic, k, k));
            w.setRequiresGradient(true);
            NDArray b = m.randomNormal(new Shape(oc));
            b.setRequiresGradient(true);
            Shape s = new Shape(stride, stride);
            Shape p = new Shape(k / 2, k / 2);
            scribbleNaNOverFreedHeap();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = padded ? PaddedConv2d.conv2d(x, w, b, s, p, 1)
                        : ai.djl.nn.convolutional.Conv2d.conv2d(x, w, b, s, p, new Shape(1, 1), 1).singletonOrThrow();
                String out = y.isNaN().any().getBoolean() ? "output " : "";
                scribbleNaNOverFreedHeap();
                gc.backward(y.sum());
                out += x.getGradient().isNaN().any().getBoolean() ? "input-gradient " : "";
                out += w.getGradient().isNaN().any().getBoolean() ? "weight-gradient" : "";
                return out.trim();
            }
        }
    }

    @Test
    void convolutionsWithPartBlocksOfChannelsStayFiniteOverNaNLeftovers() {
        int[] channels = {1, 3, 8, 9, 16, 24, 40, 48};
        List<String> bad = new ArrayList<>();
        int cases = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (int k : new int[] {1, 3}) {
                for (int stride : new int[] {1, 2}) {
                    for (int ic : channels) {
                        for (int oc : channels) {
                            String nan = nanIn(m, ic, oc, k, stride, true);
                            cases++;
                            if (!nan.isEmpty()) {
                                bad.add("k" + k + " s" + stride + " ic" + ic + " oc" + oc + ": " + nan);
                            }
                        }
                    }
                }
            }
        }
        assertTrue(bad.isEmpty(), bad.size() + " of " + cases + " shapes gave NaN, e.g. " + bad.subList(0, Math.min(5, bad.size())));
    }
}
