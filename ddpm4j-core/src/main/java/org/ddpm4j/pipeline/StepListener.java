package org.ddpm4j.pipeline;

import ai.djl.ndarray.NDArray;

/** Receives each reverse step of a sampling run (for progress bars and denoising animations). */
public interface StepListener {

    /**
     * @param index the step just done, from 1
     * @param total the number of steps in this batch's trajectory
     * @param t the timestep just denoised
     * @param xPrev the sample after the step, (B, C, H, W); valid only during the call
     * @param predX0 the predicted clean images, (B, C, H, W); valid only during the call
     */
    void onStep(int index, int total, int t, NDArray xPrev, NDArray predX0);

    StepListener NONE = (i, n, t, x, x0) -> {};
}
