package org.ddpm4j.api;

import java.util.Optional;
import org.ddpm4j.pipeline.Guidance;

/**
 * How a generation or an inpainting is guided: an immutable value. The guided output is
 * {@code cond + w (cond - uncond) + a (cond - weak)}: classifier-free guidance of weight {@code w} (Ho and
 * Salimans, arXiv 2207.12598) pushes away from the network's unconditional branch and needs a class;
 * autoguidance of weight {@code a} (Karras et al., arXiv 2406.02507) pushes away from a weaker run of the same
 * images and classes, given the same class, and works without one. Then three optional stages: the noise
 * levels guided ({@link #interval}), the weight of the part along the predicted image ({@link #parallel}), and
 * the rescale towards the conditional output's spread ({@link #rescale}). See {@link Guidance} for the maths.
 *
 * <pre>{@code
 * Guide.classifierFree(0.5).rescale(0.7)                       // w = 0.5, rescaled
 * Guide.autoguidance(weakModel, 1.0).withClassifierFree(0.25)  // a = 1 from weakModel, plus w = 0.25
 * }</pre>
 */
public final class Guide {

    /** The guide of a request that names none: classifier-free guidance of weight {@link Defaults#GUIDANCE}. */
    public static final Guide DEFAULT = classifierFree(Defaults.GUIDANCE);

    private final Guidance guidance;
    private final DiffusionModel weak; // null without autoguidance

    private Guide(Guidance guidance, DiffusionModel weak) {
        this.guidance = guidance;
        this.weak = weak;
    }

    /** No guidance: the plain conditional (or unconditional) model. */
    public static Guide none() {
        return new Guide(Guidance.none(), null);
    }

    /** Classifier-free guidance of weight {@code w} in [0, 50] (0: none). */
    public static Guide classifierFree(double w) {
        return new Guide(checked(() -> Guidance.of(w)), null);
    }

    /**
     * Autoguidance of weight {@code a} in [0, 50] away from {@code weak}: a less-trained or smaller run of the same
     * images, diffusion and classes. {@code weak} must stay open while the guide is used.
     */
    public static Guide autoguidance(DiffusionModel weak, double a) {
        if (weak == null) {
            throw new InvalidRequestException("guide", "autoguidance needs the weak model");
        }
        return new Guide(checked(() -> Guidance.autoguidance(a, 0)), weak);
    }

    /**
     * This guide with classifier-free guidance of weight {@code w} added (or changed). With autoguidance, a
     * weight out of range is reported as the field {@code cfg} (the CLI's {@code --cfg}), else as {@code guidance}.
     */
    public Guide withClassifierFree(double w) {
        if (weak != null && !(w >= 0 && w <= Guidance.MAX_WEIGHT)) {
            throw new InvalidRequestException("cfg", "must be in [0, 50], got " + w);
        }
        return new Guide(checked(() -> guidance.with(Guidance.Away.UNCONDITIONAL, w)), weak);
    }

    /** This guide with rescale φ in [0, 1] (Lin et al., arXiv 2305.08891): against over-thick, over-bright strokes. */
    public Guide rescale(double phi) {
        return new Guide(checked(() -> guidance.withRescale(phi)), weak);
    }

    /** This guide applied only at the steps whose noise level t / T lies in [from, to] (Kynkäänniemi et al., arXiv 2404.07724). */
    public Guide interval(double from, double to) {
        return new Guide(checked(() -> guidance.withInterval(from, to)), weak);
    }

    /** This guide with the part of each direction along the predicted image weighted by η in [0, 1] (Sadat et al., arXiv 2410.02416). */
    public Guide parallel(double eta) {
        return new Guide(checked(() -> guidance.withParallel(eta)), weak);
    }

    /** The classifier-free weight w (0: none). */
    public double classifierFreeWeight() {
        return guidance.weight(Guidance.Away.UNCONDITIONAL);
    }

    /** The autoguidance weight a (0: none). */
    public double autoguidanceWeight() {
        return guidance.weight(Guidance.Away.WEAK_NETWORK);
    }

    /** The weak model autoguidance pushes away from, if any. */
    public Optional<DiffusionModel> weakModel() {
        return Optional.ofNullable(weak);
    }

    /** The guidance settings as the sampling pipeline takes them. */
    public Guidance settings() {
        return guidance;
    }

    private static Guidance checked(java.util.function.Supplier<Guidance> g) {
        try {
            return g.get();
        } catch (org.ddpm4j.SettingException e) {
            throw InvalidRequestException.of(e);
        }
    }

    @Override
    public String toString() {
        return "Guide" + guidance + (weak == null ? "" : " from a weak model");
    }
}
