package org.ddpm4j.sampler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.util.Rng;

/**
 * DPM-Solver++ (Lu et al. 2022, arXiv 2211.01095): a deterministic multistep solver of the diffusion ODE in
 * data (x0) prediction, with lambda = log(alpha / sigma), alpha = sqrt(ab), sigma = sqrt(1 - ab).
 *
 * <p>Order 2 is DPM-Solver++(2M), the paper's algorithm 2: the first step (no history) and the final step
 * to t = -1 (sigma = 0) are first order, every other step second order.
 *
 * <p>Order 3 is DPM-Solver++(3M) as k-diffusion's {@code sample_dpmpp_3m_sde} computes it with eta = 0: with
 * h = lambda' - lambda and the two previous steps' h1, h2 (r0 = h1 / h, r1 = h2 / h), the first-order
 * update plus alpha' (phi2 d1 - phi3 d2), where phi2 = (e^{-h} - 1) / h + 1, phi3 = phi2 / h - 1/2,
 * d1_0 = (D0 - D1) / r0, d1_1 = (D1 - D2) / r1, d1 = d1_0 + (d1_0 - d1_1) r0 / (r0 + r1) and
 * d2 = (d1_0 - d1_1) / (r0 + r1); with one previous step, alpha' phi2 (D0 - D1) / r0; the final step
 * returns D0.
 */
public final class DpmSolverPlusPlus implements Sampler {

    private final GaussianDiffusion diffusion;
    private final TimestepSpacing spacing;
    private final boolean clipX0;
    private final int order;
    private NDArray lastX0;
    private NDArray lastX0b; // the x0 before lastX0 (order 3)
    private int lastT = -1;
    private int lastTb = -1;

    /** DPM-Solver++(2M). */
    public DpmSolverPlusPlus(GaussianDiffusion diffusion, TimestepSpacing spacing, boolean clipX0) {
        this(diffusion, spacing, clipX0, 2);
    }

    /** DPM-Solver++ of multistep order 2 (2M) or 3 (3M). */
    public DpmSolverPlusPlus(GaussianDiffusion diffusion, TimestepSpacing spacing, boolean clipX0, int order) {
        if (order != 2 && order != 3) {
            throw new IllegalArgumentException("DPM-Solver++ order must be 2 or 3, got " + order);
        }
        this.diffusion = diffusion;
        this.spacing = spacing;
        this.clipX0 = clipX0;
        this.order = order;
    }

    @Override
    public String name() {
        return order == 2 ? "dpm++" : "dpm++3m";
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
        if (lastX0 != null) {
            lastX0.close();
        }
        if (lastX0b != null) {
            lastX0b.close();
        }
        lastX0 = null;
        lastX0b = null;
        lastT = -1;
        lastTb = -1;
    }

    private double lambda(int t) {
        double ab = diffusion.schedule().alphaBar(t);
        return 0.5 * Math.log(ab) - 0.5 * Math.log(1 - ab);
    }

    @Override
    public StepOutput step(NDArray modelOutput, int t, int tPrev, NDArray xt, org.ddpm4j.util.Gaussians rng) {
        // 1. data prediction D0 = x0(x_t, t)
        NDArray x0 = diffusion.predictX0(modelOutput, xt, t);
        if (clipX0) {
            x0 = x0.clip(-1f, 1f);
        }
        NDArray prev;
        if (tPrev < 0) {
            // final step to sigma = 0: the first-order update reduces to x0 itself
            prev = x0.duplicate();
        } else {
            double ab = diffusion.schedule().alphaBar(t);
            double abPrev = diffusion.schedule().alphaBar(tPrev);
            double sigmaT = Math.sqrt(1 - ab);
            double sigmaPrev = Math.sqrt(1 - abPrev);
            double alphaPrev = Math.sqrt(abPrev);
            double h = lambda(tPrev) - lambda(t);
            double phi = Math.expm1(-h); // exp(-h) - 1
            // 2. first order: x' = (sigma'/sigma) x_t - alpha' (e^{-h} - 1) D0   (DPM-Solver++ eq. 5 / DDIM)
            if (order == 2) {
                NDArray d = x0;
                if (lastX0 != null) {
                    // 3. second order: D = D0 + (1 / 2r) (D0 - D1), r = h_last / h   (algorithm 2)
                    double r = (lambda(t) - lambda(lastT)) / h;
                    d = x0.add(x0.sub(lastX0).mul((float) (0.5 / r)));
                }
                prev = xt.mul((float) (sigmaPrev / sigmaT)).sub(d.mul((float) (alphaPrev * phi)));
            } else {
                prev = xt.mul((float) (sigmaPrev / sigmaT)).sub(x0.mul((float) (alphaPrev * phi)));
                double phi2 = phi / h + 1;
                if (lastX0 != null && lastX0b != null) {
                    // 3. third order (k-diffusion's 3M at eta = 0)
                    double r0 = (lambda(t) - lambda(lastT)) / h;
                    double r1 = (lambda(lastT) - lambda(lastTb)) / h;
                    double phi3 = phi2 / h - 0.5;
                    NDArray d10 = x0.sub(lastX0).div((float) r0);
                    NDArray d11 = lastX0.sub(lastX0b).div((float) r1);
                    NDArray d1 = d10.add(d10.sub(d11).mul((float) (r0 / (r0 + r1))));
                    NDArray d2 = d10.sub(d11).div((float) (r0 + r1));
                    prev = prev.add(d1.mul((float) (alphaPrev * phi2)).sub(d2.mul((float) (alphaPrev * phi3))));
                } else if (lastX0 != null) {
                    // second order while the history fills
                    double r0 = (lambda(t) - lambda(lastT)) / h;
                    prev = prev.add(x0.sub(lastX0).div((float) r0).mul((float) (alphaPrev * phi2)));
                }
            }
        }
        // 4. remember D0 (and for order 3 the one before) for the next step, outside the caller's per-step scope
        if (lastX0b != null) {
            lastX0b.close();
            lastX0b = null;
        }
        if (order == 3 && tPrev >= 0) {
            lastX0b = lastX0;
            lastTb = lastT;
        } else if (lastX0 != null) {
            lastX0.close();
        }
        lastX0 = tPrev < 0 ? null : x0.duplicate();
        if (lastX0 != null) {
            NDScope.unregister(lastX0);
        }
        lastT = t;
        return new StepOutput(prev, x0);
    }
}
