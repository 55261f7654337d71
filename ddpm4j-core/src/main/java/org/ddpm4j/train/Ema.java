package org.ddpm4j.train;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.util.Tensors;

/**
 * An exponential moving average of the weights (Polyak averaging, as in DDPM and lucidrains' ema-pytorch):
 * shadow = d * shadow + (1 - d) * w, with the warm-up d = min(decay, (1 + n) / (10 + n)) after n updates,
 * so early shadows are not stuck near the random init.
 */
public final class Ema {

    private final double decay;
    private final List<Denoiser.NamedParameter> params;
    private final List<NDArray> shadow = new ArrayList<>();
    private long updates;

    public Ema(Denoiser model, double decay) {
        this.decay = decay;
        this.params = model.parameters();
        for (Denoiser.NamedParameter p : params) {
            NDArray s = p.array().duplicate();
            s.setRequiresGradient(false);
            shadow.add(s);
        }
    }

    /** The decay used for the next update. */
    public double currentDecay() {
        return Math.min(decay, (1.0 + updates) / (10.0 + updates));
    }

    /** Folds the current weights into the average (call outside gradient recording). */
    public void update() {
        float d = (float) currentDecay();
        for (int i = 0; i < params.size(); i++) {
            NDArray w = params.get(i).array();
            shadow.get(i).muli(d).addi(w.mul(1 - d));
        }
        updates++;
    }

    public List<NDArray> shadow() {
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
        List<Denoiser.NamedParameter> tp = target.parameters();
        for (int i = 0; i < tp.size(); i++) {
            Tensors.copyInto(tp.get(i).array(), shadow.get(i).toFloatArray());
        }
    }
}
