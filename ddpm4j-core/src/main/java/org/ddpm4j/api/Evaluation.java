package org.ddpm4j.api;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What to score with the quality meter: an immutable, validated request, as {@code ./ddpm eval} takes it.
 * The meter is a classifier trained once on the run's data (seeded, cached under {@code ~/.cache/ddpm4j});
 * it scores {@code count} generated images (for a class-conditional run, {@code count} of every class) by
 * their domain FID against the real images and by the share it reads as the class they were drawn as.
 *
 * <pre>{@code
 * Evaluation.Result r = model.evaluate(Evaluation.builder().count(500).build());
 * }</pre>
 */
public final class Evaluation {

    private final int count;
    private final SamplerKind sampler; // null = the model's default
    private final int steps; // 0 = the model's default
    private final double guidance;
    private final long seed;
    private final int batch;
    private final int meter;

    private Evaluation(Builder b) {
        this.count = InvalidRequestException.range("count", b.count, 10, Generation.MAX_COUNT);
        this.sampler = b.sampler;
        this.steps = b.steps;
        this.guidance = InvalidRequestException.range("guidance", b.guidance, 0, 100);
        this.seed = InvalidRequestException.nonNegative("seed", b.seed);
        this.batch = InvalidRequestException.range("batch", b.batch, 1, 4096);
        this.meter = InvalidRequestException.range("meter", b.meter, 2, 3);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Images to score; of every class for a class-conditional run. */
    public int count() {
        return count;
    }

    /** The sampler, if not the model's default. */
    public Optional<SamplerKind> sampler() {
        return Optional.ofNullable(sampler);
    }

    /** Network calls per image, if not the model's default. */
    public OptionalInt steps() {
        return steps == 0 ? OptionalInt.empty() : OptionalInt.of(steps);
    }

    /** Classifier-free guidance weight for a class-conditional run (0: unguided). */
    public double guidance() {
        return guidance;
    }

    public long seed() {
        return seed;
    }

    public int batch() {
        return batch;
    }

    /** The meter's version (3, or 2 to reproduce numbers measured before 2026-11-28). */
    public int meter() {
        return meter;
    }

    /** The generation settings for {@code images} images (their classes are given beside it). */
    Generation generation(int images, int classIndex) {
        Generation.Builder b = Generation.builder().count(images).guidance(guidance).seed(seed).batch(batch);
        if (sampler != null) {
            b.sampler(sampler);
        }
        if (steps != 0) {
            b.steps(steps);
        }
        return (classIndex >= 0 ? b.classIndex(classIndex) : b).build();
    }

    /**
     * The meter's scores.
     *
     * @param fid domain FID: the Fréchet distance between the classifier's penultimate features of the scored
     *     images and of all real images of the run's class (of every class, for a conditional run); 0 = the data
     * @param accuracy the share of images read as the class they were drawn as (the mean over classes for a
     *     conditional run); NaN for an unconditional run trained on several classes
     * @param classAccuracy per class (index = class) for a conditional run; empty otherwise
     * @param images the number of images scored
     * @param imagesPerSecond generation speed over all of them
     * @param meter the meter's version
     * @param meterHeldOutAccuracy how many real images held out from the classifier's training it reads right
     */
    public record Result(double fid, double accuracy, List<Double> classAccuracy, int images, double imagesPerSecond, int meter,
            double meterHeldOutAccuracy) {

        public Result {
            classAccuracy = List.copyOf(classAccuracy);
        }

        /** The class read worst (its index), or -1 for an unconditional run. */
        public int worstClass() {
            int worst = -1;
            for (int c = 0; c < classAccuracy.size(); c++) {
                if (worst < 0 || classAccuracy.get(c) < classAccuracy.get(worst)) {
                    worst = c;
                }
            }
            return worst;
        }
    }

    /** Builds an {@link Evaluation}; {@link #build} validates every setting once. */
    public static final class Builder {
        private int count = 500;
        private SamplerKind sampler;
        private int steps;
        private double guidance = Defaults.GUIDANCE;
        private long seed;
        private int batch = 250;
        private int meter = 3;

        private Builder() {}

        public Builder count(int count) {
            this.count = count;
            return this;
        }

        public Builder sampler(SamplerKind sampler) {
            this.sampler = sampler;
            return this;
        }

        public Builder steps(int steps) {
            this.steps = InvalidRequestException.range("steps", steps, 1, 1000);
            return this;
        }

        public Builder guidance(double guidance) {
            this.guidance = guidance;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder batch(int batch) {
            this.batch = batch;
            return this;
        }

        public Builder meter(int version) {
            this.meter = version;
            return this;
        }

        public Evaluation build() {
            return new Evaluation(this);
        }
    }
}
