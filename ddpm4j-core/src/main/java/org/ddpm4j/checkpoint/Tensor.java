package org.ddpm4j.checkpoint;

import java.util.Arrays;

/**
 * A float32 tensor held in Java memory, as stored in a checkpoint.
 *
 * @param shape the dimensions
 * @param data the values in row-major order
 */
public record Tensor(long[] shape, float[] data) {

    public Tensor {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + data.length + " values");
        }
    }
}
