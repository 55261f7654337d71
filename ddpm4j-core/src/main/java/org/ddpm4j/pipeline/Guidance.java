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
 * <p>Guidance is applied only at the steps whose noise level {@code t / T} lies in {@code [from, to]}
 * (Kynkäänniemi et al., "Applying Guidance in a Limited Interval Improves Sample and Distribution Quality
 * in Diffusion Models", arXiv 2404.07724); elsewhere the plain conditional model runs, one network call
 * of B images instead of 2B. The full interval [0, 1] guides every step.
 *
 * <p>With {@code parallel} = η < 1 the guidance direction is first split, in x0 space, into its part along
 * the conditional prediction x0(cond) and the part orthogonal to it, and the parallel part is weighted by η
 * (adaptive projected guidance, Sadat et al., "Eliminating Oversaturation and Artifacts of High Guidance
 * Scales in Diffusion Models", arXiv 2410.02416, without its momentum and norm threshold): the parallel part
 * only scales the image up, which shows as saturated, over-contrasted strokes; the orthogonal part changes
 * what is drawn. η = 1 is plain guidance.
 *
 * <p>With autoguidance (a guide network), {@code cfg} > 0 adds a classifier-free term on top:
 * {@code g = good + scale (good - weak) + cfg (good - uncond)}, the good network's conditional and
 * unconditional branches in one batched call, the weak network in another.
 *
 * @param scale guidance scale w, 0 for none
 * @param rescale φ in [0, 1], 0 for none
 * @param from lowest noise level t / T that is guided, in [0, 1]
 * @param to highest noise level t / T that is guided, in [from, 1]
 * @param parallel η in [0, 1], the weight of the guidance's part along x0(cond); 1 = plain guidance
 * @param cfg the classifier-free scale added to autoguidance, 0 for none (used only with a guide network)
 */
public record Guidance(double scale, double rescale, double from, double to, double parallel, double cfg) {

    /** The guidance rescale used when none is asked for. */
    public static final double DEFAULT_RESCALE = 0.0;
    /** The guided noise levels t / T used when none are asked for. */
    public static final double DEFAULT_FROM = 0.0;
    public static final double DEFAULT_TO = 1.0;
    /** The weight of the parallel part used when none is asked for: plain guidance. */
    public static final double DEFAULT_PARALLEL = 1.0;

    private static final String BAD_INTERVAL = "must be FROM:TO with 0 <= FROM <= TO <= 1 (noise levels t/T), got ";

    public Guidance {
        if (!(scale >= 0 && scale <= 50)) {
            throw new org.ddpm4j.SettingException("guidance", "must be in [0, 50], got " + fmt(scale));
        }
        if (!(rescale >= 0 && rescale <= 1)) {
            throw new org.ddpm4j.SettingException("guidance-rescale", "must be in [0, 1], got " + fmt(rescale));
        }
        if (!(from >= 0 && from <= to && to <= 1)) {
            throw new org.ddpm4j.SettingException("guidance-interval", BAD_INTERVAL + fmt(from) + ":" + fmt(to));
        }
        if (!(parallel >= 0 && parallel <= 1)) {
            throw new org.ddpm4j.SettingException("guidance-parallel", "must be in [0, 1], got " + fmt(parallel));
        }
        if (!(cfg >= 0 && cfg <= 50)) {
            throw new org.ddpm4j.SettingException("cfg", "must be in [0, 50], got " + fmt(cfg));
        }
    }

    /** Scale, rescale and interval, with plain (unprojected) guidance. */
    public Guidance(double scale, double rescale, double from, double to) {
        this(scale, rescale, from, to, DEFAULT_PARALLEL, 0);
    }

    /** True when step {@code t} of a {@code T}-step diffusion is guided by anything (scale or cfg > 0, t / T in the interval). */
    public boolean guides(int t, int T) {
        double level = (double) t / T;
        return (scale > 0 || cfg > 0) && level >= from && level <= to;
    }

    /** Scale and rescale, guiding every step. */
    public Guidance(double scale, double rescale) {
        this(scale, rescale, DEFAULT_FROM, DEFAULT_TO);
    }

    /** Scale {@code w} with the default rescale and interval. */
    public static Guidance of(double w) {
        return new Guidance(w, DEFAULT_RESCALE);
    }

    /** Parses {@code FROM:TO} (noise levels t / T), e.g. {@code 0.2:0.8}. */
    public static double[] parseInterval(String s) {
        String[] parts = s.trim().split(":", -1);
        if (parts.length == 2) {
            try {
                return new double[] {Double.parseDouble(parts[0].trim()), Double.parseDouble(parts[1].trim())};
            } catch (NumberFormatException e) {
                // falls through to the error below
            }
        }
        throw new org.ddpm4j.SettingException("guidance-interval", BAD_INTERVAL + "'" + s + "'");
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
