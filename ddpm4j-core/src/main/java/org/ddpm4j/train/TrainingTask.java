package org.ddpm4j.train;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import org.ddpm4j.checkpoint.Tensor;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.util.Rng;

/**
 * What a training step regresses: how a batch of clean images becomes the network's inputs, its target and the
 * per-image loss weights. {@link DiffusionTrainer} does the rest the same way for every task (the forward pass,
 * the weighted MSE, the backward pass, clipping, AdamW, the EMA, the budget). {@link DenoisingTask} is DDPM's
 * objective; {@link ProgressiveDistillation} regresses a teacher's two sampler steps.
 */
public interface TrainingTask {

    /**
     * The network's inputs and target for one batch; all tensors belong to the step's scope.
     *
     * @param xt the noisy images, (B, C, H, W)
     * @param t the timesteps, (B,) float32
     * @param classes one class per image, -1 for "no class"; null for an unconditional network
     * @param target what the network's output is regressed onto, (B, C, H, W)
     * @param weights the loss weight of each image, (B,); null for the plain mean
     */
    record Batch(NDArray xt, NDArray t, NDArray classes, NDArray target, NDArray weights) {}

    /**
     * Makes the inputs and target of a batch of clean images, outside gradient recording.
     *
     * @param x0 the clean images in [-1, 1], (B, C, H, W)
     * @param labels the class of each image, or null for an unconditional run
     * @param rng the trainer's random source (its state is the run's state)
     */
    Batch batch(NDArray x0, float[] labels, Rng rng);

    /** Called before step {@code step} (0-based) of {@code total} (0 while a --minutes budget calibrates). */
    default void beforeStep(long step, long total) {}

    /** The learning rate of update {@code step} (1-based) of {@code total}. */
    default double learningRate(TrainConfig.Optimiser o, long step, long total) {
        return o.learningRateAt(step, total);
    }

    /**
     * True if the learning rate of the first {@code steps} updates does not depend on the total, so that a
     * --minutes budget may re-estimate its step count at that step.
     */
    default boolean totalMayChangeUntil(TrainConfig.Optimiser o, long steps) {
        return !o.cosineDecay() || o.warmupSteps() >= steps;
    }

    /** State tensors the task adds to a checkpoint (names are its own), for an exact resume. */
    default Map<String, Tensor> stateTensors() {
        return Map.of();
    }
}
