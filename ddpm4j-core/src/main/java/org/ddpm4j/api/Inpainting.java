package org.ddpm4j.api;

import java.awt.image.BufferedImage;
import java.util.Optional;

/**
 * What to inpaint (RePaint, Lugmayr et al., arXiv 2201.09865): a picture and a mask of the same size as the
 * model's images; light mask pixels are regenerated, dark ones kept exactly. Pixel values are read as stored
 * (see {@link org.ddpm4j.image.Pixels}). Candidate {@code i} depends only on the seed and {@code i}.
 */
public final class Inpainting {

    private final BufferedImage image;
    private final BufferedImage mask;
    private final int count;
    private final SamplerKind sampler;
    private final int steps;
    private final int resample;
    private final String classChoice;
    private final Guide guide;
    private final long seed;

    private Inpainting(Builder b) {
        if (b.image == null || b.mask == null) {
            throw new InvalidRequestException(b.image == null ? "image" : "mask", "is required");
        }
        this.image = b.image;
        this.mask = b.mask;
        this.count = InvalidRequestException.range("count", b.count, 1, 1024);
        if (b.sampler != null && !b.sampler.resamples()) {
            Defaults.inpaintingSampler(b.sampler); // throws, naming the sampler
        }
        this.sampler = b.sampler;
        this.steps = InvalidRequestException.range("steps", b.steps, 1, 1000);
        this.resample = InvalidRequestException.range("resample", b.resample, 1, 100);
        this.classChoice = b.classChoice;
        this.guide = b.guide;
        this.seed = InvalidRequestException.nonNegative("seed", b.seed);
    }

    /** An inpainting of {@code image}, regenerating the light pixels of {@code mask}. */
    public static Builder of(BufferedImage image, BufferedImage mask) {
        Builder b = new Builder();
        b.image = image;
        b.mask = mask;
        return b;
    }

    public BufferedImage image() {
        return image;
    }

    public BufferedImage mask() {
        return mask;
    }

    public int count() {
        return count;
    }

    public SamplerKind sampler() {
        return sampler;
    }

    public int steps() {
        return steps;
    }

    public int resample() {
        return resample;
    }

    /** The class asked for, in {@link org.ddpm4j.data.ClassChoice} syntax; empty for none. */
    public Optional<String> classChoice() {
        return classChoice.isEmpty() ? Optional.empty() : Optional.of(classChoice);
    }

    /** How the completions are guided. */
    public Guide guide() {
        return guide;
    }

    public long seed() {
        return seed;
    }

    /** Builds an {@link Inpainting}; {@link #build} validates every setting once. */
    public static final class Builder {
        private BufferedImage image;
        private BufferedImage mask;
        private int count = Defaults.INPAINT_CANDIDATES;
        private SamplerKind sampler = Defaults.INPAINT_SAMPLER;
        private int steps = Defaults.INPAINT_STEPS;
        private int resample = Defaults.INPAINT_RESAMPLE;
        private String classChoice = "";
        private Guide guide = Guide.DEFAULT;
        private long seed;

        private Builder() {}

        public Builder count(int count) {
            this.count = count;
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
            this.steps = steps;
            return this;
        }

        public Builder resample(int resample) {
            this.resample = resample;
            return this;
        }

        public Builder classIndex(int index) {
            this.classChoice = InvalidRequestException.classIndex(index);
            return this;
        }

        public Builder className(String name) {
            this.classChoice = InvalidRequestException.className(name);
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

        public Inpainting build() {
            return new Inpainting(this);
        }
    }
}
