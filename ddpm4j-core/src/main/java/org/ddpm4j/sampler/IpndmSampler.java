package org.ddpm4j.sampler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import org.ddpm4j.diffusion.GaussianDiffusion;

/**
 * iPNDM (Zhang and Chen, "Fast Sampling of Diffusion Models with Exponential Integrator", arXiv 2204.13902;
 * the improved PNDM of Zhou et al., "Fast ODE-based Sampling for Diffusion Models in Around 5 Steps",
 * arXiv 2312.00094): an Adams-Bashforth multistep solver of the probability-flow ODE written in the scaled
 * variable {@code y = x_t / sqrt(ab_t)} against {@code s = sqrt((1 - ab_t) / ab_t)}, where the ODE is
 * {@code dy/ds = eps(x_t, t)} (DDIM is its Euler method). Each step combines the current and up to three
 * earlier noise predictions with the fixed Adams-Bashforth weights of order 1-4:
 * {@code eps}, {@code (3 e0 - e1) / 2}, {@code (23 e0 - 16 e1 + 5 e2) / 12},
 * {@code (55 e0 - 59 e1 + 37 e2 - 9 e3) / 24}; the first steps use the orders their history allows, and
 * {@code y' = y + (s' - s) d}. The last step ends at {@code s = 0}, where {@code y} is the image. One network
 * call per step, deterministic.
 */
public final class IpndmSampler implements Sampler {

    /** The highest order, as in the paper's iPNDM. */
    public static final int MAX_ORDER = 4;

    private static final double[][] WEIGHTS = {
        {1},
        {3 / 2.0, -1 / 2.0},
        {23 / 12.0, -16 / 12.0, 5 / 12.0},
        {55 / 24.0, -59 / 24.0, 37 / 24.0, -9 / 24.0},
    };

    private final GaussianDiffusion diffusion;
    private final TimestepSpacing spacing;
    private final boolean clipX0;
    private final int order;
    /** Earlier noise predictions, newest first, kept outside the callers' per-step scopes. */
    private final Deque<NDArray> history = new ArrayDeque<>();

    public IpndmSampler(GaussianDiffusion diffusion, TimestepSpacing spacing, boolean clipX0) {
        this(diffusion, spacing, clipX0, MAX_ORDER);
    }

    /** With a lower highest order (1 is DDIM at eta 0). */
    public IpndmSampler(GaussianDiffusion diffusion, TimestepSpacing spacing, boolean clipX0, int order) {
        if (order < 1 || order > MAX_ORDER) {
            throw new IllegalArgumentException("order must be in 1.." + MAX_ORDER + ", got " + order);
        }
        this.diffusion = diffusion;
        this.spacing = spacing;
        this.clipX0 = clipX0;
        this.order = order;
    }

    @Override
    public String name() {
        return "ipndm";
    }

    @Override
    public GaussianDiffusion diffusion() {
        return diffusion;
    }

    @Override
    public TimestepSpacing spacing() {
        return spacing;
    }

    @Override
    public void reset() {
        history.forEach(NDArray::close);
        history.clear();
    }

    /** {@code s_t = sqrt((1 - ab_t) / ab_t)}: the noise-to-signal ratio, the ODE's time variable. */
    private double s(int t) {
        double ab = diffusion.schedule().alphaBar(t);
        return Math.sqrt((1 - ab) / ab);
    }

    @Override
    public StepOutput step(NDArray modelOutput, int t, int tPrev, NDArray xt, org.ddpm4j.util.Gaussians rng) {
        double ab = diffusion.schedule().alphaBar(t);
        // 1. x0 and eps, eps made consistent with x0 if it is clipped (as DDIM does)
        ai.djl.ndarray.NDList pred = diffusion.predictX0AndEps(modelOutput, xt, t, clipX0);
        NDArray x0 = pred.get(0);
        NDArray eps = pred.get(1);
        // 2. the Adams-Bashforth combination of the order the history allows
        int k = Math.min(order, history.size() + 1);
        double[] w = WEIGHTS[k - 1];
        NDArray d = eps.mul((float) w[0]);
        Iterator<NDArray> older = history.iterator();
        for (int j = 1; j < k; j++) {
            d = d.add(older.next().mul((float) w[j]));
        }
        // 3. y' = y + (s' - s) d, y = x_t / sqrt(ab); back to x at t' (at the end, s' = 0 and x = y)
        double sNow = s(t);
        double sNext = tPrev < 0 ? 0 : s(tPrev);
        NDArray y = xt.div((float) Math.sqrt(ab)).add(d.mul((float) (sNext - sNow)));
        NDArray prev = tPrev < 0 ? y : y.mul((float) Math.sqrt(diffusion.schedule().alphaBar(tPrev)));
        // 4. remember eps for the next steps
        if (tPrev >= 0) {
            NDArray kept = eps.duplicate();
            NDScope.unregister(kept);
            history.addFirst(kept);
            while (history.size() > order - 1) {
                history.removeLast().close();
            }
        } else {
            reset();
        }
        return new StepOutput(prev, x0);
    }
}
