package org.ddpm4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.model.Denoiser;

/**
 * Adam (Kingma and Ba, arXiv 1412.6980) with optional decoupled weight decay (AdamW, arXiv 1711.05101),
 * computed exactly as {@code torch.optim.Adam/AdamW}; its moments are plain tensors that a checkpoint can save.
 * Over a network it updates the one flat buffer of {@link org.ddpm4j.model.FlatWeights} (moments (N,)), the
 * same arithmetic element by element as one update per weight tensor.
 */
public final class Adam {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final List<NDArray> m = new ArrayList<>();
    private final List<NDArray> v = new ArrayList<>();
    private final List<NDArray> params;
    private long step;

    /** Adam over a network's flat weight buffer: one update is a dozen tensor ops whatever the layer count. */
    public Adam(Denoiser model, double beta1, double beta2, double eps, double weightDecay) {
        this(List.of(model.flatWeights().flat()), model.manager(), beta1, beta2, eps, weightDecay);
    }

    /** Adam over any list of weight tensors that carry gradients; its moments live in {@code manager}. */
    public Adam(List<NDArray> weights, NDManager manager, double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.params = weights;
        for (NDArray w : params) {
            m.add(manager.zeros(w.getShape()));
            v.add(manager.zeros(w.getShape()));
        }
    }

    /** torch.optim.Adam's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public static Adam torchDefaults(Denoiser model) {
        return new Adam(model, 0.9, 0.999, 1e-8, 0);
    }

    /**
     * Applies one update with learning rate {@code lr} from the gradients left by backward, then zeroes
     * them. Call inside an {@code NDScope}: the temporaries it makes are freed with the scope.
     */
    public void step(double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        for (int i = 0; i < params.size(); i++) {
            NDArray w = params.get(i);
            NDArray g = w.getGradient();
            if (weightDecay > 0) {
                w.muli((float) (1 - lr * weightDecay));
            }
            // m = b1 m + (1 - b1) g ; v = b2 v + (1 - b2) g^2
            m.get(i).muli((float) beta1).addi(g.mul((float) (1 - beta1)));
            v.get(i).muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
            // w -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)
            NDArray denom = v.get(i).sqrt().divi((float) Math.sqrt(bc2)).addi((float) eps);
            w.subi(m.get(i).div(denom).muli((float) (lr / bc1)));
            g.subi(g);
        }
    }

    /**
     * Zeroes the gradients without updating (for a skipped step), NaN and infinite entries included. It
     * writes in place with native ops: {@code NDArray.set(float[])} would make the gradient's storage alias
     * a Java buffer that dies with the temporary wrapper.
     */
    public void zeroGradients() {
        for (NDArray w : params) {
            zero(w.getGradient());
        }
    }

    /** Sets a gradient to zero in place, NaN and infinite entries too (for those {@code g - g} is NaN). */
    static void zero(NDArray g) {
        g.set(g.isNaN().logicalOr(g.isInfinite()), 0f);
        g.subi(g);
    }

    public long stepCount() {
        return step;
    }

    public List<NDArray> firstMoments() {
        return m;
    }

    public List<NDArray> secondMoments() {
        return v;
    }

    /** Restores the step count (the moments are restored by setting their tensors). */
    public void setStepCount(long step) {
        this.step = step;
    }
}
