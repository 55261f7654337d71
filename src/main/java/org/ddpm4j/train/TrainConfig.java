package org.ddpm4j.train;

import org.ddpm4j.DdpmException;

/**
 * Immutable training settings, validated once and saved in every checkpoint.
 *
 * @param data dataset spec ({@code mnist}, {@code idx:DIR})
 * @param digit the class to keep, or null for all classes
 * @param epochs passes over the data (0 = not used as a budget)
 * @param batchSize images per step
 * @param learningRate Adam's step size
 * @param seed the seed of every random draw (init, shuffles, t, noise)
 */
public record TrainConfig(String data, Integer digit, int epochs, int batchSize, double learningRate, long seed) {

    public TrainConfig {
        if (data == null || data.isBlank()) {
            throw new DdpmException("--data is required");
        }
        if (digit != null && (digit < 0 || digit > 255)) {
            throw new DdpmException("--digit must be a class label in 0..255, got " + digit);
        }
        if (epochs < 1 || epochs > 1_000_000) {
            throw new DdpmException("--epochs must be in 1..1000000, got " + epochs);
        }
        if (batchSize < 1 || batchSize > 4096) {
            throw new DdpmException("--batch must be in 1..4096, got " + batchSize);
        }
        if (!(learningRate > 0 && learningRate < 1)) {
            throw new DdpmException("--lr must be in (0, 1), got " + learningRate);
        }
    }

    /** The seed's recipe: digit 1, 20 epochs, batch 64, Adam lr 1e-4. */
    public static TrainConfig seed(String data, int digit, int epochs, long seed) {
        return new TrainConfig(data, digit, epochs, 64, 1e-4, seed);
    }
}
