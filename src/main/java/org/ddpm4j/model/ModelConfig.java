package org.ddpm4j.model;

import org.ddpm4j.DdpmException;

/**
 * Immutable description of a denoiser network; saved in every checkpoint so the checkpoint rebuilds its
 * own network.
 *
 * @param type {@code seed} (the seed's SimpleDenoiseNet) or {@code unet}
 * @param channels image channels (1 grayscale, 3 RGB)
 * @param size image height and width
 * @param unet U-Net hyper-parameters, or null for the seed network
 */
public record ModelConfig(String type, int channels, int size, UNetConfig unet) {

    public static final String SEED = "seed";
    public static final String UNET = "unet";

    public ModelConfig {
        if (!SEED.equals(type) && !UNET.equals(type)) {
            throw new DdpmException("unknown model '" + type + "' (expected seed or unet)");
        }
        if (channels != 1 && channels != 3) {
            throw new DdpmException("image channels must be 1 or 3, got " + channels);
        }
        if (size < 4 || size > 512) {
            throw new DdpmException("image size must be in 4..512, got " + size);
        }
        if (UNET.equals(type) && unet == null) {
            throw new DdpmException("a unet model needs its U-Net settings");
        }
    }

    /** The seed's network for images of the given shape. */
    public static ModelConfig seed(int channels, int size) {
        return new ModelConfig(SEED, channels, size, null);
    }
}
