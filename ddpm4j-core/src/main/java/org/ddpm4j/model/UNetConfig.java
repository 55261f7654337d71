package org.ddpm4j.model;

import java.util.Arrays;
import org.ddpm4j.DdpmException;

/**
 * U-Net hyper-parameters.
 *
 * @param baseChannels channels of the first level (and of the sinusoidal time features)
 * @param channelMults channel multiplier per resolution level; level i has baseChannels * mult[i]
 * @param blocksPerLevel residual blocks per level on the way down (one more on the way up)
 * @param attentionLevels the levels (0 = full resolution) that get self-attention after each block
 * @param heads attention heads
 * @param groups GroupNorm groups (must divide every channel count)
 * @param dropout dropout rate inside residual blocks
 * @param scaleShift how the time (and class) embedding enters a residual block: false adds it to the
 *     activations (DDPM), true scales and shifts the second GroupNorm's output by it, {@code GN(h) * (1 + s) + b}
 *     (adaptive group normalisation, Dhariwal and Nichol 2021). Configs written before it existed read as false.
 */
public record UNetConfig(int baseChannels, int[] channelMults, int blocksPerLevel, int[] attentionLevels, int heads,
        int groups, float dropout, boolean scaleShift) {

    public UNetConfig {
        if (baseChannels < 4 || baseChannels > 1024) {
            throw new DdpmException("U-Net base channels must be in 4..1024, got " + baseChannels);
        }
        if (channelMults == null || channelMults.length < 1 || channelMults.length > 6) {
            throw new DdpmException("U-Net needs 1..6 channel multipliers, got " + Arrays.toString(channelMults));
        }
        for (int m : channelMults) {
            if (m < 1 || m > 16 || (baseChannels * m) % groups != 0 || (baseChannels * m) % heads != 0) {
                throw new DdpmException("U-Net channel multiplier " + m + " gives " + baseChannels * m
                        + " channels, not divisible by " + groups + " groups and " + heads + " heads");
            }
        }
        if (blocksPerLevel < 1 || blocksPerLevel > 8) {
            throw new DdpmException("U-Net blocks per level must be in 1..8, got " + blocksPerLevel);
        }
        if (attentionLevels == null) {
            attentionLevels = new int[0];
        }
        for (int a : attentionLevels) {
            if (a < 0 || a >= channelMults.length) {
                throw new DdpmException("U-Net attention level " + a + " does not exist (levels 0.." + (channelMults.length - 1) + ")");
            }
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new DdpmException("dropout must be in [0, 1), got " + dropout);
        }
    }

    /**
     * The default for 28x28 digits: base 32, levels 28/14/7 with x1/x2/x2 channels, attention at 7x7. Base 16 wins
     * a 5-minute search (bench/search.sh: twice the steps) but not at 30 minutes, the budget the defaults are for
     * (level or behind there, one run each).
     */
    public static UNetConfig defaults() {
        return new UNetConfig(32, new int[] {1, 2, 2}, 2, new int[] {2}, 4, 8, 0f);
    }

    /** A tiny network for tests. */
    public static UNetConfig tiny() {
        return new UNetConfig(8, new int[] {1, 2}, 1, new int[] {1}, 2, 4, 0f);
    }

    /** The same settings with the embedding added to the activations (the DDPM residual block). */
    public UNetConfig(int baseChannels, int[] channelMults, int blocksPerLevel, int[] attentionLevels, int heads, int groups,
            float dropout) {
        this(baseChannels, channelMults, blocksPerLevel, attentionLevels, heads, groups, dropout, false);
    }

    /** These settings with {@code scaleShift} set. */
    public UNetConfig withScaleShift(boolean on) {
        return new UNetConfig(baseChannels, channelMults, blocksPerLevel, attentionLevels, heads, groups, dropout, on);
    }

    boolean hasAttention(int level) {
        return Arrays.stream(attentionLevels).anyMatch(a -> a == level);
    }

    /** Checks that an image size survives the downsampling: size divisible by 2^(levels-1), lowest side >= 2. */
    public void checkImageSize(int size) {
        int factor = 1 << (channelMults.length - 1);
        if (size % factor != 0 || size / factor < 2) {
            throw new DdpmException("image size " + size + " does not fit a U-Net with " + channelMults.length
                    + " levels (it must be a multiple of " + factor + " and at least " + 2 * factor + ")");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetConfig u && u.baseChannels == baseChannels && Arrays.equals(u.channelMults, channelMults)
                && u.blocksPerLevel == blocksPerLevel && Arrays.equals(u.attentionLevels, attentionLevels)
                && u.heads == heads && u.groups == groups && Float.compare(u.dropout, dropout) == 0
                && u.scaleShift == scaleShift;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(channelMults) * 31 + baseChannels;
    }

    @Override
    public String toString() {
        return "UNet(base=" + baseChannels + ", mults=" + Arrays.toString(channelMults) + ", blocks=" + blocksPerLevel
                + ", attention=" + Arrays.toString(attentionLevels) + (scaleShift ? ", scale-shift" : "") + ")";
    }
}
