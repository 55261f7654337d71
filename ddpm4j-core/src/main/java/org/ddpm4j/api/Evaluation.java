package org.ddpm4j.api;

import java.util.List;

/**
 * What to score with the quality meter: an immutable, validated request, as {@code ./ddpm eval} takes it.
 * The meter is a classifier trained once on the run's data (seeded, cached under {@code ~/.cache/ddpm4j});
 * it scores {@code count} generated images (for a class-conditional run, {@code count} of every class, or of
 * the one class the settings name) by their domain FID against the real images and by the share it reads as
 * the class they were drawn as. How the images are drawn (sampler, steps, guide, seed, batch) comes from a
 * {@link Generation}, whose count is ignored.
 *
 * <pre>{@code
 * Evaluation.Result r = model.evaluate(Evaluation.builder().count(500)
 *         .settings(Generation.builder().steps(10).seed(1).build()).build(), System.err);
 * }</pre>
 */
public final class Evaluation {

    /** Images per network call when evaluating, unless the settings say otherwise. */
    public static final int BATCH = 250;

    private final int count;
    private final Generation settings;
    private final int meter;
    private final boolean realImages;

    private Evaluation(Builder b) {
        this.count = InvalidRequestException.range("count", b.count, 10, Generation.MAX_COUNT);
        this.settings = b.settings;
        try {
            this.meter = org.ddpm4j.eval.Meter.of(b.meter).version();
        } catch (org.ddpm4j.SettingException e) {
            throw InvalidRequestException.of(e);
        }
        this.realImages = b.realImages;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Images to score; of every class for a class-conditional run (unless the settings name one class). */
    public int count() {
        return count;
    }

    /** How the images are drawn, and which class (none: every class of a class-conditional run). */
    public Generation settings() {
        return settings;
    }

    /** The meter's version (3, or 2 to reproduce numbers measured before 2026-11-28). */
    public int meter() {
        return meter;
    }

    /** True to score real images of the run's data instead of generated ones: the floor FID can reach at this count. */
    public boolean realImages() {
        return realImages;
    }

    /**
     * The meter's scores.
     *
     * @param fid domain FID: the Fréchet distance between the classifier's penultimate features of the scored
     *     images and of the real images of {@code reference}; 0 = the data
     * @param accuracy the share of images read as the class they were drawn as (the mean over the scored classes
     *     for a conditional run); NaN for an unconditional run trained on several classes
     * @param classAccuracy for a conditional run, index = class, NaN for a class not scored; empty otherwise
     * @param images the number of images scored
     * @param imagesPerSecond generation speed over all of them
     * @param meter the meter's version
     * @param meterHeldOutAccuracy how many real images held out from the classifier's training it reads right
     * @param reference the real images the FID compares against, in words
     * @param targetClass the class an unconditional run's images should show (its training digit), else -1
     */
    public record Result(double fid, double accuracy, List<Double> classAccuracy, int images, double imagesPerSecond, int meter,
            double meterHeldOutAccuracy, String reference, int targetClass) {

        public Result {
            classAccuracy = List.copyOf(classAccuracy);
        }

        /** The scored class read worst (its index), or -1 for an unconditional run. */
        public int worstClass() {
            int worst = -1;
            for (int c = 0; c < classAccuracy.size(); c++) {
                if (!classAccuracy.get(c).isNaN() && (worst < 0 || classAccuracy.get(c) < classAccuracy.get(worst))) {
                    worst = c;
                }
            }
            return worst;
        }
    }

    /**
     * The meter's reading of a slice of an evaluation's images ({@link DiffusionModel#evaluatePart}): their
     * feature statistics and, per class, how many were drawn and how many the classifier read as drawn (an
     * unconditional run has one slot, its training digit). Parts add up exactly; serializable, so a distributed
     * job's tasks can return them.
     *
     * @param images the images read
     * @param features their classifier features' statistics
     * @param hits per class slot, the images read as the class they were drawn as
     * @param counts per class slot, the images drawn
     * @param predicted per class of the classifier, the images it read as that class
     */
    public record Part(int images, org.ddpm4j.eval.FeatureSums features, int[] hits, int[] counts, int[] predicted)
            implements java.io.Serializable {

        public Part {
            hits = hits.clone();
            counts = counts.clone();
            predicted = predicted.clone();
        }

        @Override
        public int[] hits() {
            return hits.clone();
        }

        @Override
        public int[] counts() {
            return counts.clone();
        }

        @Override
        public int[] predicted() {
            return predicted.clone();
        }

        /** Both parts' images together. */
        public Part plus(Part o) {
            if (o.hits.length != hits.length || o.predicted.length != predicted.length) {
                throw new IllegalArgumentException("parts of different evaluations");
            }
            int[] h = hits.clone();
            int[] c = counts.clone();
            int[] p = predicted.clone();
            for (int i = 0; i < h.length; i++) {
                h[i] += o.hits[i];
                c[i] += o.counts[i];
            }
            for (int i = 0; i < p.length; i++) {
                p[i] += o.predicted[i];
            }
            return new Part(Math.addExact(images, o.images), features.plus(o.features), h, c, p);
        }

        /** The sum of one or more parts, in order. */
        public static Part sum(List<Part> parts) {
            if (parts.isEmpty()) {
                throw new InvalidRequestException("parts", "no parts to merge");
            }
            Part s = parts.get(0);
            for (int i = 1; i < parts.size(); i++) {
                s = s.plus(parts.get(i));
            }
            return s;
        }
    }

    /** Builds an {@link Evaluation}; {@link #build} validates every setting once. */
    public static final class Builder {
        private int count = 500;
        private Generation settings = Generation.builder().batch(BATCH).build();
        private int meter = 3;
        private boolean realImages;

        private Builder() {}

        public Builder count(int count) {
            this.count = count;
            return this;
        }

        /** How to draw the images (sampler, steps, guide, seed, batch, class); its count is ignored. */
        public Builder settings(Generation settings) {
            if (settings == null) {
                throw new InvalidRequestException("settings", "must not be null");
            }
            this.settings = settings;
            return this;
        }

        public Builder meter(int version) {
            this.meter = version;
            return this;
        }

        /** Scores real images instead of generated ones (the settings' seed picks them). */
        public Builder realImages(boolean real) {
            this.realImages = real;
            return this;
        }

        public Evaluation build() {
            return new Evaluation(this);
        }
    }
}
