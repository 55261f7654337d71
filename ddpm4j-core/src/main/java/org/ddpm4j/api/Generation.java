package org.ddpm4j.api;

import java.util.Optional;
import java.util.OptionalInt;
import org.ddpm4j.sampler.AncestralSampler.Variance;
import org.ddpm4j.sampler.TimestepSpacing;

/**
 * What to generate: an immutable, validated request. Image {@code i} depends only on the seed, {@code i} and
 * its class; the batch size changes speed and memory, never an image.
 *
 * <pre>{@code
 * Generation g = Generation.builder().count(16).classIndex(7).seed(1).build();
 * }</pre>
 *
 * <p>Every setting left out takes the model's default (see {@link Defaults}): for a U-Net run DDIM with 20
 * network calls, trailing spacing, the predicted image clipped to [-1, 1]; for the seed's network the seed's
 * 1000-step ancestral sampler.
 */
public final class Generation {

    /** The most images one request makes. */
    public static final int MAX_COUNT = 100_000;

    private final int count;
    private final String classChoice; // "" = none (unconditional), else ClassChoice syntax
    private final boolean everyClass;
    private final SamplerKind sampler; // null = the model's default
    private final int steps; // 0 = the model's default
    private final double eta;
    private final TimestepSpacing spacing; // null = the model's default
    private final int[] timesteps; // null = from the spacing (or the run's tuned time points)
    private final Variance variance;
    private final Boolean clipX0; // null = the model's default
    private final Guide guide;
    private final long seed;
    private final int batch;
    private final int sliceFrom;
    private final int sliceTo; // 0 = the whole request

    private Generation(Builder b) {
        this.count = InvalidRequestException.range("count", b.count, 1, MAX_COUNT);
        this.steps = b.steps; // 0 (the model's default) or checked by steps(int)
        if (!(b.eta >= 0 && b.eta <= 1)) {
            throw new InvalidRequestException("eta", "must be in [0, 1], got " + b.eta);
        }
        this.eta = b.eta;
        this.seed = InvalidRequestException.nonNegative("seed", b.seed);
        this.batch = InvalidRequestException.range("batch", b.batch, 1, 4096);
        this.classChoice = b.classChoice;
        this.everyClass = b.everyClass;
        this.sampler = b.sampler;
        this.spacing = b.spacing;
        if (b.timesteps != null && b.spacing != null) {
            throw new InvalidRequestException("timesteps", "give {timesteps} or {spacing}, not both");
        }
        if (b.timesteps != null && b.steps != b.timesteps.length) {
            throw new InvalidRequestException("timesteps", b.timesteps.length + " time points but " + b.steps + " {steps}");
        }
        this.timesteps = b.timesteps;
        this.variance = b.variance;
        this.clipX0 = b.clipX0;
        this.guide = b.guide; // null: the model's default
        if (b.sliceTo != 0 && !(b.sliceFrom >= 0 && b.sliceFrom < b.sliceTo)) {
            throw new InvalidRequestException("slice", "needs 0 <= from < to, got " + b.sliceFrom + ".." + b.sliceTo);
        }
        this.sliceFrom = b.sliceFrom;
        this.sliceTo = b.sliceTo;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this request's settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.count = count;
        b.classChoice = classChoice;
        b.everyClass = everyClass;
        b.sampler = sampler;
        b.steps = steps;
        b.eta = eta;
        b.spacing = spacing;
        b.timesteps = timesteps;
        b.variance = variance;
        b.clipX0 = clipX0;
        b.guide = guide;
        b.seed = seed;
        b.batch = batch;
        b.sliceFrom = sliceFrom;
        b.sliceTo = sliceTo;
        return b;
    }

    /** Images asked for; of every class when {@link #everyClass()}. */
    public int count() {
        return count;
    }

    /** The class asked for, in {@link org.ddpm4j.data.ClassChoice} syntax (an index, or {@code name:FOLDER}); empty for none. */
    public Optional<String> classChoice() {
        return classChoice.isEmpty() ? Optional.empty() : Optional.of(classChoice);
    }

    /** True for {@link #count()} images of every class, in class order (class 0's first). */
    public boolean everyClass() {
        return everyClass;
    }

    /** The sampler asked for; empty for the model's default. */
    public Optional<SamplerKind> sampler() {
        return Optional.ofNullable(sampler);
    }

    /** Network calls per image asked for; empty for the model's default. */
    public OptionalInt steps() {
        return steps == 0 ? OptionalInt.empty() : OptionalInt.of(steps);
    }

    /** DDIM's eta: 0 deterministic, 1 as random as the ancestral sampler (DDIM only). */
    public double eta() {
        return eta;
    }

    /** How the steps are spread over the T timesteps; empty for the model's default. */
    public Optional<TimestepSpacing> spacing() {
        return Optional.ofNullable(spacing);
    }

    /**
     * The time points asked for explicitly, one network call each, strictly decreasing; empty when they come
     * from the spacing or, with neither set, from the run's tuned time points for this sampler and step count
     * (see {@link DiffusionModel#timePoints}).
     */
    public Optional<int[]> timesteps() {
        return timesteps == null ? Optional.empty() : Optional.of(timesteps.clone());
    }

    /** The ancestral sampler's noise variance (DDPM only): beta_t, as the seed samples, or the posterior's. */
    public Variance variance() {
        return variance;
    }

    /** Whether the predicted image is clipped to [-1, 1] at every step; empty for the model's default. */
    public Optional<Boolean> clipX0() {
        return Optional.ofNullable(clipX0);
    }

    /**
     * How the images are guided (used by a class-conditional request, or by autoguidance): the guide asked for,
     * else {@link Guide#DEFAULT}. A distilled model has its guidance built in and samples a request that asks for
     * none without it ({@link DiffusionModel#guide}).
     */
    public Guide guide() {
        return guide != null ? guide : Guide.DEFAULT;
    }

    /** True if the request names its guide (or guidance scale); false when it leaves it to the model. */
    public boolean guideGiven() {
        return guide != null;
    }

    public long seed() {
        return seed;
    }

    /** Images per network call: speed and memory only. */
    public int batch() {
        return batch;
    }

    /**
     * True if the request draws only a slice of its images ({@link Builder#slice}).
     */
    public boolean sliced() {
        return sliceTo != 0;
    }

    /** The index of the first image drawn: 0, or the start of the {@link Builder#slice slice}. */
    public int sliceFrom() {
        return sliceFrom;
    }

    /** The index after the last image drawn when {@link #sliced()}; empty for the whole request. */
    public OptionalInt sliceTo() {
        return sliceTo == 0 ? OptionalInt.empty() : OptionalInt.of(sliceTo);
    }

    /** Builds a {@link Generation}; {@link #build} validates every setting once. */
    public static final class Builder {
        private int count = 16;
        private String classChoice = "";
        private boolean everyClass;
        private SamplerKind sampler;
        private int steps;
        private double eta;
        private TimestepSpacing spacing;
        private int[] timesteps;
        private Variance variance = Variance.BETA;
        private Boolean clipX0;
        private Guide guide;
        private long seed;
        private int batch = Defaults.BATCH;
        private int sliceFrom;
        private int sliceTo;

        private Builder() {}

        public Builder count(int count) {
            this.count = count;
            return this;
        }

        /** The class by index (0-based, in the run's sorted class order). */
        public Builder classIndex(int index) {
            this.classChoice = InvalidRequestException.classIndex(index);
            this.everyClass = false;
            return this;
        }

        /** The class by its folder name, never read as an index (a folder called {@code 2} is the name {@code 2}). */
        public Builder className(String name) {
            this.classChoice = InvalidRequestException.className(name);
            this.everyClass = false;
            return this;
        }

        /** {@link #count} images of every class of a class-conditional run, in class order. */
        public Builder everyClass() {
            this.classChoice = "";
            this.everyClass = true;
            return this;
        }

        /** No class: an unconditional image (also from a class-conditional run). */
        public Builder anyClass() {
            this.classChoice = "";
            this.everyClass = false;
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

        /** DDIM's eta in [0, 1]. */
        public Builder eta(double eta) {
            this.eta = eta;
            return this;
        }

        public Builder spacing(TimestepSpacing spacing) {
            if (spacing == null) {
                throw new InvalidRequestException("spacing", "must not be null");
            }
            this.spacing = spacing;
            return this;
        }

        /**
         * Explicit time points (strictly decreasing, each in 0..T-1), one network call each; sets {@link #steps}
         * to their number. Tuned schedules ({@code ./ddpm tune-steps}) and the time points of papers go here.
         */
        public Builder timesteps(int... ts) {
            if (ts == null || ts.length == 0 || ts.length > 1000) {
                throw new InvalidRequestException("timesteps", "give 1..1000 time points");
            }
            for (int i = 0; i < ts.length; i++) {
                if (ts[i] < 0 || (i > 0 && ts[i] >= ts[i - 1])) {
                    throw new InvalidRequestException("timesteps", "must be strictly decreasing and >= 0, got "
                            + java.util.Arrays.toString(ts));
                }
            }
            this.timesteps = ts.clone();
            this.steps = ts.length;
            return this;
        }

        /** Drops an explicit {@link #spacing}: the run's tuned time points, else the model's default spacing, decide again. */
        public Builder defaultSpacing() {
            this.spacing = null;
            return this;
        }

        /** Drops explicit {@link #timesteps}: the spacing (or the run's tuned time points) decides again. */
        public Builder defaultTimesteps() {
            this.timesteps = null;
            return this;
        }

        public Builder variance(Variance variance) {
            if (variance == null) {
                throw new InvalidRequestException("variance", "must not be null");
            }
            this.variance = variance;
            return this;
        }

        public Builder clipX0(boolean clip) {
            this.clipX0 = clip;
            return this;
        }

        /** Classifier-free guidance of weight {@code w}: shorthand for {@code guide(Guide.classifierFree(w))}. */
        public Builder guidance(double w) {
            this.guide = Guide.classifierFree(w);
            return this;
        }

        public Builder guide(Guide guide) {
            if (guide == null) {
                throw new InvalidRequestException("guide", "must not be null (Guide.none() for no guidance)");
            }
            this.guide = guide;
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

        /**
         * Draws only images {@code from} to {@code to - 1} of the request (in its order: for every class, class 0's
         * first), each the same image, bit for bit, as in the whole request when {@code from} is a multiple of the
         * {@link #batch} (the batches then start at the same images). Slices of one request, drawn anywhere, together
         * make exactly its images: this is how a distributed job splits its work. {@code to} must not pass the
         * request's last image.
         */
        public Builder slice(int from, int to) {
            this.sliceFrom = from;
            this.sliceTo = to;
            return this;
        }

        /** Drops a {@link #slice}: the whole request. */
        public Builder wholeRequest() {
            this.sliceFrom = 0;
            this.sliceTo = 0;
            return this;
        }

        public Generation build() {
            return new Generation(this);
        }
    }
}
