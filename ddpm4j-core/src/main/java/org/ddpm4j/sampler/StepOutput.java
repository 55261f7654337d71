package org.ddpm4j.sampler;

import ai.djl.ndarray.NDArray;

/**
 * The result of one reverse step: x_{t_prev} and the predicted clean image x0 at t (for previews).
 *
 * @param prevSample x at the next (less noisy) timestep, (B, C, H, W)
 * @param predX0 the model's estimate of x0 at this step, (B, C, H, W)
 */
public record StepOutput(NDArray prevSample, NDArray predX0) {}
