package org.ddpm4j.train;

import ai.djl.ndarray.NDArray;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.FlatWeights;
import org.ddpm4j.util.Tensors;

/**
 * An exponential moving average of the weights, shadow = d * shadow + (1 - d) * w, of one of two kinds:
 *
 * <ul>
 *   <li>fixed decay (Polyak averaging, as in DDPM and lucidrains' ema-pytorch) with the warm-up
 *       d = min(decay, (1 + n) / (10 + n)) after n updates, so early shadows are not stuck near the random init;
 *   <li>EDM2's power function (Karras et al., arXiv 2312.02696, eq. 2 and 3): after t updates the shadow is the
 *       average of the weights of every step i weighted by i^gamma, so its length grows with the run and is set
 *       relative to it by sigma_rel, the width of that profile over the training so far; the decay of update t
 *       (from 1) is (1 - 1/t)^(gamma + 1).
 * </ul>
 */
public final class Ema {

    private final double decay;
    private final double gamma; // NaN for a fixed decay
    private final FlatWeights weights;
    private final NDArray shadow; // (N,), laid out like the flat weights
    private long updates;

    public Ema(Denoiser model, double decay) {
        this(model, decay, Double.NaN);
    }

    private Ema(Denoiser model, double decay, double gamma) {
        this.decay = decay;
        this.gamma = gamma;
        this.weights = model.flatWeights();
        shadow = org.ddpm4j.util.Tensors.withoutGrad(() -> weights.flat().duplicate());
        ai.djl.ndarray.NDScope.unregister(shadow);
    }

    /** EDM2's power-function EMA of relative width {@code sigmaRel} (EDM2 keeps 0.05 and 0.10). */
    public static Ema power(Denoiser model, double sigmaRel) {
        return new Ema(model, 0, gammaOf(sigmaRel));
    }

    /**
     * The exponent gamma whose power-function profile has relative standard deviation {@code sigmaRel}: the root of
     * sigma_rel^2 = (gamma + 1) / ((gamma + 2)^2 (gamma + 3)) (EDM2, eq. 3; sigma_rel 0.05 gives 16.97, 0.10 gives 6.94).
     */
    public static double gammaOf(double sigmaRel) {
        if (!(sigmaRel > 0 && sigmaRel < Math.sqrt(1.0 / 12))) { // gamma = 0 (a plain running mean) is the widest
            throw new IllegalArgumentException("sigma_rel must be in (0, 0.2887), got " + sigmaRel);
        }
        double lo = 0;
        double hi = 1e7;
        for (int i = 0; i < 200; i++) { // the width falls as gamma grows: bisect
            double mid = (lo + hi) / 2;
            double w = Math.sqrt((mid + 1) / ((mid + 2) * (mid + 2) * (mid + 3)));
            if (w > sigmaRel) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** The power-function exponent, NaN for a fixed-decay EMA. */
    public double gamma() {
        return gamma;
    }

    /** The decay used for the next update. */
    public double currentDecay() {
        if (!Double.isNaN(gamma)) {
            return Math.pow(1 - 1.0 / (updates + 1), gamma + 1); // 0 for the first update: the shadow starts at w
        }
        return Math.min(decay, (1.0 + updates) / (10.0 + updates));
    }

    /** Folds the current weights into the average (call outside gradient recording). */
    public void update() {
        float d = (float) currentDecay();
        shadow.muli(d).addi(weights.flat().mul(1 - d)); // over the flat buffer: three ops
        updates++;
    }

    /** The averaged weights, (N,), laid out like {@link FlatWeights#flat()}. */
    public NDArray shadow() {
        return shadow;
    }

    public long updates() {
        return updates;
    }

    public void setUpdates(long n) {
        updates = n;
    }

    /** Copies the averaged weights into another network of the same config (for sampling previews). */
    public void copyTo(Denoiser target) {
        Tensors.copyInto(target.flatWeights().flat(), shadow.toFloatArray());
    }
}
