package org.ddpm4j.pipeline;

import java.util.List;
import java.util.Locale;

/**
 * How the network's output is guided: one model for classifier-free guidance and autoguidance.
 *
 * <p>The guided output is {@code g = cond + Σ wᵢ (cond - awayᵢ)}, where {@code cond} is the (good) network's
 * conditional output and each "away" is either the network's {@link Away#UNCONDITIONAL unconditional branch}
 * (classifier-free guidance, Ho and Salimans, arXiv 2207.12598) or a {@link Away#WEAK_NETWORK weaker network}
 * of the same images given the same class (autoguidance, Karras et al., "Guiding a Diffusion Model with a
 * Bad Version of Itself", arXiv 2406.02507). No terms (or all weights 0) is the plain conditional model. The
 * unconditional term needs a class: an unconditional request has no class to steer towards, so it is skipped.
 *
 * <p>Three optional stages follow, the same for every term:
 * <ul>
 *   <li><b>interval</b>: guidance applies only at the steps whose noise level {@code t / T} lies in
 *       {@code [from, to]} (Kynkäänniemi et al., arXiv 2404.07724); elsewhere the plain conditional model runs,
 *       one network call of B images instead of 2B. [0, 1] guides every step.</li>
 *   <li><b>projection</b>: with {@code parallel} = η &lt; 1 each direction {@code cond - away} is split, in x0
 *       space, into its part along the conditional prediction x0(cond) and the part orthogonal to it, and the
 *       parallel part is weighted by η (adaptive projected guidance, Sadat et al., arXiv 2410.02416, without
 *       its momentum and norm threshold): the parallel part only scales the image up (saturated, over-thick
 *       strokes); the orthogonal part changes what is drawn. η = 1 is plain guidance.</li>
 *   <li><b>rescale</b>: with φ &gt; 0 the guided output is pulled back towards the conditional output's spread
 *       (Lin et al., arXiv 2305.08891, eq. 15-16): {@code g' = g · std(cond) / std(g)}, then
 *       {@code φ g' + (1 - φ) g}, the standard deviations per image over all its pixels.</li>
 * </ul>
 *
 * @param terms the guidance terms, applied in order (at most one per {@link Away})
 * @param rescale φ in [0, 1], 0 for none
 * @param from lowest noise level t / T that is guided, in [0, 1]
 * @param to highest noise level t / T that is guided, in [from, 1]
 * @param parallel η in [0, 1], the weight of each direction's part along x0(cond); 1 = plain guidance
 */
public record Guidance(List<Term> terms, double rescale, double from, double to, double parallel) {

    /** What a guidance term pushes away from. */
    public enum Away {
        /** The network's own unconditional branch (class dropped): classifier-free guidance. */
        UNCONDITIONAL,
        /** A weaker network (less trained or smaller), given the same class: autoguidance. */
        WEAK_NETWORK
    }

    /**
     * One term {@code weight · (cond - away)}.
     *
     * @param away what the output is pushed away from
     * @param weight w in [0, 50]
     */
    public record Term(Away away, double weight) {
        public Term {
            if (away == null) {
                throw new IllegalArgumentException("a guidance term needs what it pushes away from");
            }
            checkWeight("guidance", weight);
        }
    }

    /** The guidance rescale used when none is asked for. */
    public static final double DEFAULT_RESCALE = 0.0;
    /** The guided noise levels t / T used when none are asked for. */
    public static final double DEFAULT_FROM = 0.0;
    public static final double DEFAULT_TO = 1.0;
    /** The weight of the parallel part used when none is asked for: plain guidance. */
    public static final double DEFAULT_PARALLEL = 1.0;
    /** The most a guidance weight can be. */
    public static final double MAX_WEIGHT = 50;

    private static final String BAD_INTERVAL = "must be FROM:TO with 0 <= FROM <= TO <= 1 (noise levels t/T), got ";

    public Guidance {
        terms = List.copyOf(terms);
        if (terms.stream().map(Term::away).distinct().count() != terms.size()) {
            throw new IllegalArgumentException("at most one guidance term per kind, got " + terms);
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
    }

    /** No guidance: the plain conditional (or unconditional) model. */
    public static Guidance none() {
        return new Guidance(List.of(), DEFAULT_RESCALE, DEFAULT_FROM, DEFAULT_TO, DEFAULT_PARALLEL);
    }

    /** Classifier-free guidance of weight {@code w}: {@code cond + w (cond - uncond)}. */
    public static Guidance of(double w) {
        return none().with(Away.UNCONDITIONAL, checkWeight("guidance", w));
    }

    /**
     * Autoguidance of weight {@code w} from the pipeline's weak network, plus classifier-free guidance of weight
     * {@code cfg} (0 for none): {@code good + w (good - weak) + cfg (good - uncond)}.
     */
    public static Guidance autoguidance(double w, double cfg) {
        Guidance g = none().with(Away.WEAK_NETWORK, checkWeight("guidance", w));
        return checkWeight("cfg", cfg) > 0 ? g.with(Away.UNCONDITIONAL, cfg) : g;
    }

    /** This guidance with the term away from {@code away} set to {@code weight} (added last if it was absent). */
    public Guidance with(Away away, double weight) {
        java.util.ArrayList<Term> t = new java.util.ArrayList<>(terms);
        Term term = new Term(away, weight);
        int i = indexOf(away);
        if (i >= 0) {
            t.set(i, term);
        } else {
            t.add(term);
        }
        return new Guidance(t, rescale, from, to, parallel);
    }

    /** This guidance with rescale φ. */
    public Guidance withRescale(double phi) {
        return new Guidance(terms, phi, from, to, parallel);
    }

    /** This guidance applied only at noise levels t / T in [from, to]. */
    public Guidance withInterval(double from, double to) {
        return new Guidance(terms, rescale, from, to, parallel);
    }

    /** This guidance with the parallel part of each direction weighted by η. */
    public Guidance withParallel(double eta) {
        return new Guidance(terms, rescale, from, to, eta);
    }

    /** The weight of the term away from {@code away}; 0 when there is none. */
    public double weight(Away away) {
        int i = indexOf(away);
        return i < 0 ? 0 : terms.get(i).weight();
    }

    /** True if a term pushes away from a weak network (the pipeline then needs one). */
    public boolean needsWeakNetwork() {
        return weight(Away.WEAK_NETWORK) > 0;
    }

    /** True when step {@code t} of a {@code T}-step diffusion is guided by anything (a weight > 0, t / T in the interval). */
    public boolean guides(int t, int T) {
        double level = (double) t / T;
        return terms.stream().anyMatch(x -> x.weight() > 0) && level >= from && level <= to;
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

    private int indexOf(Away away) {
        for (int i = 0; i < terms.size(); i++) {
            if (terms.get(i).away() == away) {
                return i;
            }
        }
        return -1;
    }

    private static double checkWeight(String field, double w) {
        if (!(w >= 0 && w <= MAX_WEIGHT)) {
            throw new org.ddpm4j.SettingException(field, "must be in [0, 50], got " + fmt(w));
        }
        return w;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
