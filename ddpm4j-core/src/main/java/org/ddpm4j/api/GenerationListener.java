package org.ddpm4j.api;

/**
 * Receives every network call of a generation or an inpainting as it happens: for progress bars, denoising
 * animations and streaming. It runs on the generating thread. To stop the work, throw an unchecked exception
 * from {@link #onStep}: the generation ends at once, its native memory is freed, and the exception reaches
 * the caller.
 */
@FunctionalInterface
public interface GenerationListener {

    /** A listener that does nothing. */
    GenerationListener NONE = step -> {};

    /** Called after each reverse step of each batch. */
    void onStep(Step step);

    /** One reverse step of one batch; its images are valid only during {@link #onStep}. */
    interface Step {

        /** The step just done in this batch, from 1. */
        int index();

        /** The steps of one batch's trajectory. */
        int steps();

        /** The timestep just denoised (T-1 down to 0). */
        int timestep();

        /** This batch's number, from 0. */
        int batch();

        /** The number of batches of the request. */
        int batches();

        /** Network steps done so far over all batches, from 1 to {@code steps() * batches()}. */
        default long done() {
            return (long) batch() * steps() + index();
        }

        /** Images in this batch. */
        int batchSize();

        /** The first {@code max} images of the batch after the step, (n, C, H, W) values in about [-1, 1]. */
        float[] current(int max);

        /** The first {@code max} of the predicted clean images, (n, C, H, W) in about [-1, 1]. */
        float[] predictedClean(int max);
    }
}
