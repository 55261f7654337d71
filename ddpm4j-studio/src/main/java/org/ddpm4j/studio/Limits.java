package org.ddpm4j.studio;

/**
 * The fixed limits every studio request is checked against. A request outside them is refused with a
 * one-line message (HTTP 400) before any work is queued.
 *
 * @param maxSteps network calls per image (also at most the run's T)
 * @param maxCount images per generation
 * @param maxGuidance classifier-free guidance scale
 * @param maxInpaintCount completions per inpainting request
 * @param maxResample RePaint resampling jumps per step
 * @param maxUploadBytes size of one uploaded picture (image or mask), decoded
 * @param queueCapacity generation requests waiting behind the running one; more are answered 429
 */
public record Limits(int maxSteps, int maxCount, double maxGuidance, int maxInpaintCount, int maxResample, int maxUploadBytes,
        int queueCapacity) {

    /** The largest seed: the largest integer a browser's JavaScript numbers hold exactly (2^53 - 1). */
    public static final long MAX_SEED = (1L << 53) - 1;

    public static Limits defaults() {
        return new Limits(1000, 64, 20, 16, 10, 1 << 20, 8);
    }

    public Limits withQueueCapacity(int capacity) {
        return new Limits(maxSteps, maxCount, maxGuidance, maxInpaintCount, maxResample, maxUploadBytes, capacity);
    }
}
