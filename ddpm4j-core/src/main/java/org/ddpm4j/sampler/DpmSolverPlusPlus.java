package org.ddpm4j.sampler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.util.Rng;

/**
 * DPM-Solver++(2M) (Lu et al. 2022, arXiv 2211.01095, algorithm 2): a deterministic multistep solver of
 * the diffusion ODE in data (x0) prediction, with lambda = log(alpha / sigma), alpha = sqrt(ab),
 * sigma = sqrt(1 - ab). The first step (no history) and the final step to t = -1 (sigma = 0) are first
 * order; every other step is second order.
 */
public final class DpmSolverPlusPlus implements Sampler {

    private final GaussianDiffusion diffusion;
    private final TimestepSpacing spacing;
    private final boolean clipX0;
    private NDArray lastX0;
    private int lastT = -1;

    public DpmSolverPlusPlus(GaussianDiffusion diffusion, TimestepSpacing spacing, boolean clipX0) {
        this.diffusion = diffusion;
        this.spacing = spacing;
        this.clipX0 = clipX0;
    }

    @Override
    public String name() {
        return "dpm++";
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
        lastX0 = null;
        lastT = -1;
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
            NDArray d = x0;
            if (lastX0 != null) {
                // 3. second order: D = D0 + (1 / 2r) (D0 - D1), r = h_last / h   (algorithm 2)
                double r = (lambda(t) - lambda(lastT)) / h;
                d = x0.add(x0.sub(lastX0).mul((float) (0.5 / r)));
            }
            prev = xt.mul((float) (sigmaPrev / sigmaT)).sub(d.mul((float) (alphaPrev * phi)));
        }
        // 4. remember D0 for the next step, outside the caller's per-step scope
        if (lastX0 != null) {
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
