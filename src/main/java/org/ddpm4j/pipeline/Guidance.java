package org.ddpm4j.pipeline;

import java.util.Locale;
import org.ddpm4j.DdpmException;

/**
 * Classifier-free guidance settings (Ho and Salimans, arXiv 2207.12598).
 *
 * <p>The guided output is {@code g = cond + scale (cond - uncond)}: scale 0 is the plain conditional model.
 * With {@code rescale} = φ > 0 the guided output is pulled back towards the conditional output's spread
 * (Lin et al., "Common Diffusion Noise Schedules and Sample Steps are Flawed", arXiv 2305.08891, eq. 15-16):
 * {@code g' = g · std(cond) / std(g)}, then {@code φ g' + (1 - φ) g}, the standard deviations taken per
 * image over all its pixels. Guidance inflates the network output, which shows as over-thick, over-bright
 * strokes; rescaling keeps the direction guidance chose and undoes the inflation.
 *
 * @param scale guidance scale w, 0 for none
 * @param rescale φ in [0, 1], 0 for none
 */
public record Guidance(double scale, double rescale) {

    /** The guidance rescale used when none is asked for. */
    public static final double DEFAULT_RESCALE = 0.0;

    public Guidance {
        if (!(scale >= 0 && scale <= 50)) {
            throw new DdpmException("--guidance must be in [0, 50], got " + fmt(scale));
        }
        if (!(rescale >= 0 && rescale <= 1)) {
            throw new DdpmException("--guidance-rescale must be in [0, 1], got " + fmt(rescale));
        }
    }

    /** Scale {@code w} with the default rescale. */
    public static Guidance of(double w) {
        return new Guidance(w, DEFAULT_RESCALE);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
