package org.ddpm4j.util;

/** A source of standard normal samples: a single {@link Rng} stream, or one stream per image ({@link PerImageNoise}). */
public interface Gaussians {

    /** {@code n} independent N(0, 1) samples. */
    float[] gaussians(int n);
}
