package org.ddpm4j.train;

import org.ddpm4j.DdpmException;

/**
 * Immutable training settings, validated once and saved in every checkpoint.
 *
 * @param data dataset spec ({@code mnist}, {@code idx:DIR})
 * @param digit the class to keep, or null for all classes
 * @param epochs budget in passes over the data (0 = not this budget)
 * @param steps budget in optimizer steps (0 = not this budget)
 * @param minutes budget in wall-clock minutes of training (0 = not this budget); turned into a step count
 *     after the first steps, so the learning-rate schedule and a resumed run are deterministic
 * @param batchSize images per step
 * @param learningRate peak learning rate
 * @param warmupSteps linear learning-rate warm-up from 0 (0 = none)
 * @param cosineDecay decay the learning rate to 0 with a half cosine after warm-up
 * @param weightDecay decoupled weight decay (AdamW); 0 = plain Adam
 * @param gradClip maximum global L2 norm of the gradients (0 = no clipping)
 * @param emaDecay EMA decay of the weights, with warm-up min(decay, (1+n)/(10+n)) (0 = no EMA)
 * @param minSnrGamma min-SNR-gamma loss weighting (Hang et al., arXiv 2303.09556; 0 = plain MSE)
 * @param skipNonFinite skip a batch whose loss is NaN or infinite instead of stopping
 * @param seed the seed of every random draw (init, shuffles, t, noise)
 * @param conditional train a class-conditional network on the labels
 * @param pUncond probability of dropping a label (the unconditional branch of classifier-free guidance)
 * @param size side of the images made from a folder (0: the data's own size, or 32 for folders)
 * @param channels 1 or 3 to force gray or RGB for folder data, 0 to infer
 * @param hflip random horizontal flips of training images (on by default for folder data only)
 */
public record TrainConfig(String data, Integer digit, int epochs, long steps, double minutes, int batchSize,
        double learningRate, int warmupSteps, boolean cosineDecay, double weightDecay, double gradClip,
        double emaDecay, double minSnrGamma, boolean skipNonFinite, long seed, boolean conditional, double pUncond,
        int size, int channels, boolean hflip) {

    public TrainConfig {
        if (data == null || data.isBlank()) {
            throw new org.ddpm4j.SettingException("data", "is required");
        }
        if (digit != null && (digit < 0 || digit > 255)) {
            throw new org.ddpm4j.SettingException("digit", "must be a class label in 0..255, got " + digit);
        }
        int budgets = (epochs > 0 ? 1 : 0) + (steps > 0 ? 1 : 0) + (minutes > 0 ? 1 : 0);
        if (budgets != 1) {
            throw new org.ddpm4j.SettingException("epochs", "give exactly one budget: {epochs}, {steps} or {minutes}");
        }
        if (epochs < 0 || epochs > 1_000_000) {
            throw new org.ddpm4j.SettingException("epochs", "must be in 1..1000000, got " + epochs);
        }
        if (steps < 0 || steps > 100_000_000L) {
            throw new org.ddpm4j.SettingException("steps", "must be in 1..100000000, got " + steps);
        }
        if (minutes < 0 || minutes > 100_000 || Double.isNaN(minutes)) {
            throw new org.ddpm4j.SettingException("minutes", "must be in (0, 100000], got " + minutes);
        }
        if (batchSize < 1 || batchSize > 4096) {
            throw new org.ddpm4j.SettingException("batch", "must be in 1..4096, got " + batchSize);
        }
        if (!(learningRate > 0 && learningRate < 1)) {
            throw new org.ddpm4j.SettingException("lr", "must be in (0, 1), got " + learningRate);
        }
        if (warmupSteps < 0) {
            throw new org.ddpm4j.SettingException("warmup", "must be >= 0, got " + warmupSteps);
        }
        if (!(weightDecay >= 0 && weightDecay < 1)) {
            throw new org.ddpm4j.SettingException("weight-decay", "must be in [0, 1), got " + weightDecay);
        }
        if (!(gradClip >= 0)) {
            throw new org.ddpm4j.SettingException("clip", "must be >= 0, got " + gradClip);
        }
        if (!(emaDecay >= 0 && emaDecay < 1)) {
            throw new org.ddpm4j.SettingException("ema", "must be in [0, 1), got " + emaDecay);
        }
        if (!(minSnrGamma >= 0)) {
            throw new org.ddpm4j.SettingException("min-snr", "must be >= 0, got " + minSnrGamma);
        }
        if (!(pUncond >= 0 && pUncond < 1)) {
            throw new org.ddpm4j.SettingException("p-uncond", "must be in [0, 1), got " + pUncond);
        }
        if (size != 0 && (size < 4 || size > 1024)) {
            throw new org.ddpm4j.SettingException("size", "must be in 4..1024, got " + size);
        }
        if (channels != 0 && channels != 1 && channels != 3) {
            throw new org.ddpm4j.SettingException("channels", "must be 1 or 3, got " + channels);
        }
    }

    /** The seed's recipe: 20 epochs, batch 64, Adam lr 1e-4, nothing else. */
    public static TrainConfig seed(String data, Integer digit, int epochs, long seed) {
        return new TrainConfig(data, digit, epochs, 0, 0, 64, 1e-4, 0, false, 0, 0, 0, 0, false, seed, false, 0, 0, 0, false);
    }

    /** The learning rate at optimizer step {@code step} (1-based) of {@code total}. */
    public double learningRateAt(long step, long total) {
        double lr = learningRate;
        if (warmupSteps > 0 && step <= warmupSteps) {
            return lr * step / warmupSteps;
        }
        if (cosineDecay && total > warmupSteps) {
            double p = Math.min(1.0, (double) (step - warmupSteps) / (total - warmupSteps));
            return lr * 0.5 * (1 + Math.cos(Math.PI * p));
        }
        return lr;
    }
}
