package org.ddpm4j.eval;

import java.util.Arrays;
import org.ddpm4j.DdpmException;

/**
 * A version of the quality meter: the architecture and training recipe of the classifier whose features give
 * the domain FID and whose predictions give the class accuracy. Scores are only comparable within a version;
 * every eval line records the version it was measured with ({@code meter}).
 *
 * @param version the number users pass as {@code --meter}
 * @param widths conv filters of each stage (each stage ends in 2x2 max-pooling)
 * @param convsPerStage 3x3 conv layers (with ReLU) per stage
 * @param epochs passes over the 90% of the data the classifier trains on
 * @param shift training images are moved by up to this many pixels in x and y (0: no augmentation)
 * @param cosine Adam's learning rate decays from 2e-3 to 0 along a cosine (else it stays 2e-3)
 * @param rotate training images are also turned by up to this many degrees and scaled by up to {@code rotate}% about
 *     their centre (bilinear; 0: shifts only)
 * @param dropout share of the 128 features zeroed (and the rest scaled up) in each training step (0: none)
 */
public record Meter(int version, int[] widths, int convsPerStage, int epochs, int shift, boolean cosine, int rotate, double dropout) {

    /** The meter of every number measured up to 2026-11-27: a 2-conv CNN trained for 5 epochs. */
    public static final Meter V2 = new Meter(2, new int[] {16, 32}, 1, 5, 0, false);

    /** Four 3x3 convs (32, 32, 64, 64), shifts of up to 2 px, 30 epochs, cosine decay. */
    public static final Meter V3 = new Meter(3, new int[] {32, 64}, 2, 30, 2, true);

    /** A recipe with shifts only and no dropout (meters 2 and 3). */
    public Meter(int version, int[] widths, int convsPerStage, int epochs, int shift, boolean cosine) {
        this(version, widths, convsPerStage, epochs, shift, cosine, 0, 0);
    }

    public Meter {
        widths = widths.clone();
        if (rotate < 0 || rotate > 45 || dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("rotate must be in 0..45 and dropout in [0, 1)");
        }
    }

    /** A copy: a meter's recipe cannot change after it is made. */
    @Override
    public int[] widths() {
        return widths.clone();
    }

    /** Meter {@code version} (2 or 3); {@code ./ddpm eval} uses 3 unless told {@code --meter 2}. */
    public static Meter of(int version) {
        return switch (version) {
            case 2 -> V2;
            case 3 -> V3;
            default -> throw new org.ddpm4j.SettingException("meter", "must be 2 or 3, got " + version);
        };
    }

    /**
     * The cache key's description of this recipe: any change to it trains a new classifier. Meter 2 keeps the
     * key it had before meters had versions, so its existing caches stay valid.
     */
    String key() {
        return version == 2 ? "v2" : "v" + version + Arrays.toString(widths) + "x" + convsPerStage + "e" + epochs + "s" + shift + (cosine ? "cos" : "")
                + (rotate > 0 ? "r" + rotate : "") + (dropout > 0 ? "d" + dropout : "");
    }
}
