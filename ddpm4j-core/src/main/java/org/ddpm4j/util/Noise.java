package org.ddpm4j.util;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Gaussian noise tensors drawn from an {@link Rng} (or one stream per image), so that a seed fixes every sample. */
public final class Noise {

    private Noise() {}

    /** A float32 tensor of the given shape filled with N(0, 1) samples, owned by {@code manager}. */
    public static NDArray randn(Gaussians rng, NDManager manager, Shape shape) {
        return Tensors.fromJava(manager, rng.gaussians(Math.toIntExact(shape.size())), shape);
    }
}
