package org.ddpm4j.train;

/** Receives training progress; the CLI turns it into a progress bar and a log file. */
public interface TrainListener {

    /**
     * Called after every optimizer step.
     *
     * @param step the step just finished, from 1
     * @param totalSteps the planned number of steps
     * @param epoch the current epoch, from 0
     * @param loss this step's loss
     * @param imagesPerSecond training throughput over the recent steps
     */
    void onStep(long step, long totalSteps, int epoch, double loss, double imagesPerSecond);

    /** Called once per finished epoch with its mean loss. */
    default void onEpoch(int epoch, double meanLoss) {}
}
