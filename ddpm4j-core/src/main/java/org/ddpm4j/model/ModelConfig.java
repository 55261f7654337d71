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
 * @param classes number of classes of a class-conditional network (0 = unconditional)
 */
public record ModelConfig(String type, int channels, int size, UNetConfig unet, int classes) {

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
        if (classes < 0 || classes > 10_000) {
            throw new DdpmException("number of classes must be in 0..10000, got " + classes);
        }
        if (classes > 0 && SEED.equals(type)) {
            throw new org.ddpm4j.SettingException("model", "the seed network cannot be class-conditional; use {model} unet");
        }
    }

    /** An unconditional network. */
    public ModelConfig(String type, int channels, int size, UNetConfig unet) {
        this(type, channels, size, unet, 0);
    }

    public boolean conditional() {
        return classes > 0;
    }

    /** The seed's network for images of the given shape. */
    public static ModelConfig seed(int channels, int size) {
        return new ModelConfig(SEED, channels, size, null, 0);
    }
}
