package org.ddpm4j.api;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * What to generate: an immutable, validated request. Image {@code i} depends only on the seed, {@code i} and
 * its class; the batch size changes speed and memory, never an image.
 *
 * <pre>{@code
 * Generation g = Generation.builder().count(16).classIndex(7).seed(1).build();
 * }</pre>
 */
public final class Generation {

    /** The most images one request makes. */
    public static final int MAX_COUNT = 100_000;

    private final int count;
    private final String classChoice; // "" = none (unconditional), else ClassChoice syntax
    private final SamplerKind sampler; // null = the model's default
    private final int steps; // 0 = the model's default
    private final double guidance;
    private final long seed;
    private final int batch;

    private Generation(Builder b) {
        this.count = InvalidRequestException.range("count", b.count, 1, MAX_COUNT);
        this.steps = b.steps; // 0 (the model's default) or checked by steps(int)
        this.guidance = InvalidRequestException.range("guidance", b.guidance, 0, 100);
        this.seed = InvalidRequestException.nonNegative("seed", b.seed);
        this.batch = InvalidRequestException.range("batch", b.batch, 1, 4096);
        this.classChoice = b.classChoice;
        this.sampler = b.sampler;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this request's settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.count = count;
        b.classChoice = classChoice;
        b.sampler = sampler;
        b.steps = steps;
        b.guidance = guidance;
        b.seed = seed;
        b.batch = batch;
        return b;
    }

    public int count() {
        return count;
    }

    /** The class asked for, in {@link org.ddpm4j.data.ClassChoice} syntax (an index, or {@code name:FOLDER}); empty for none. */
    public Optional<String> classChoice() {
        return classChoice.isEmpty() ? Optional.empty() : Optional.of(classChoice);
    }

    /** The sampler asked for; empty for the model's default. */
    public Optional<SamplerKind> sampler() {
        return Optional.ofNullable(sampler);
    }

    /** Network calls per image asked for; empty for the model's default. */
    public OptionalInt steps() {
        return steps == 0 ? OptionalInt.empty() : OptionalInt.of(steps);
    }

    /** Classifier-free guidance scale (used for a class-conditional request). */
    public double guidance() {
        return guidance;
    }

    public long seed() {
        return seed;
    }

    /** Images per network call: speed and memory only. */
    public int batch() {
        return batch;
    }

    /** Builds a {@link Generation}; {@link #build} validates every setting once. */
    public static final class Builder {
        private int count = 16;
        private String classChoice = "";
        private SamplerKind sampler;
        private int steps;
        private double guidance = Defaults.GUIDANCE;
        private long seed;
        private int batch = Defaults.BATCH;

        private Builder() {}

        public Builder count(int count) {
            this.count = count;
            return this;
        }

        /** The class by index (0-based, in the run's sorted class order). */
        public Builder classIndex(int index) {
            this.classChoice = InvalidRequestException.classIndex(index);
            return this;
        }

        /** The class by its folder name, never read as an index (a folder called {@code 2} is the name {@code 2}). */
        public Builder className(String name) {
            this.classChoice = InvalidRequestException.className(name);
            return this;
        }

        /** No class: an unconditional image (also from a class-conditional run). */
        public Builder anyClass() {
            this.classChoice = "";
            return this;
        }

        public Builder sampler(SamplerKind sampler) {
            if (sampler == null) {
                throw new InvalidRequestException("sampler", "must not be null");
            }
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

        public Generation build() {
            return new Generation(this);
        }
    }
}
