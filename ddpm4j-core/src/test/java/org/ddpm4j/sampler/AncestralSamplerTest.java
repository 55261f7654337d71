package org.ddpm4j.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.diffusion.Prediction;
import org.ddpm4j.schedule.NoiseSchedule;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.api.Test;

class AncestralSamplerTest {

    private final NoiseSchedule s = NoiseSchedule.seedDefault();
    private final float[] xt = {0.3f, -1.2f, 0.8f, 2.0f};
    private final float[] eps = {0.1f, -0.5f, 1.5f, -0.7f};

    /** The seed's line: x_{t-1} = (x_t - (1 - a_t)/sqrt(1 - ab_t) eps)/sqrt(a_t) + sqrt(b_t) z, in double. */
    private double seedStep(double x, double e, double z, int t) {
        double mean = (x - (1 - s.alpha(t)) / Math.sqrt(1 - s.alphaBar(t)) * e) / Math.sqrt(s.alpha(t));
        return mean + (t > 0 ? Math.sqrt(s.beta(t)) * z : 0);
    }

    @Test
    void seedStepMatchesTheHandComputedFormula() {
        AncestralSampler sampler = AncestralSampler.seed(new GaussianDiffusion(s, Prediction.EPS));
        try (NDManager m = NDManager.newBaseManager()) {
            for (int t : new int[] {999, 500, 1, 0}) {
                float[] z = new Rng(11).gaussians(4); // the z the sampler will draw from Rng(11)
                StepOutput out = sampler.step(m.create(eps, new Shape(1, 1, 2, 2)), t, t - 1,
                        m.create(xt, new Shape(1, 1, 2, 2)), new Rng(11));
                float[] got = out.prevSample().toFloatArray();
                for (int i = 0; i < 4; i++) {
                    assertEquals(seedStep(xt[i], eps[i], z[i], t), got[i], 2e-5, "t=" + t + " i=" + i);
                }
            }
        }
    }

    @Test
    void goldenNumbersFromAReferenceScript() {
        // Reference values from a stand-alone double-precision script (python, no ddpm4j code):
        // mean = (x - (1 - a_t)/sqrt(1 - ab_t) eps) / sqrt(a_t), with the seed's linear schedule.
        AncestralSampler sampler = AncestralSampler.seed(new GaussianDiffusion(s, Prediction.EPS));
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(1, 1, 1, 2);
            // t = 500: x_{t-1} = mean + sqrt(beta_500) z
            float[] z = new Rng(5).gaussians(2);
            float[] got = sampler.step(m.create(new float[] {0.1f, -0.5f}, shape), 500, 499,
                    m.create(new float[] {0.3f, -1.2f}, shape), new Rng(5)).prevSample().toFloatArray();
            assertEquals(0.30046759660874933 + 0.1002993517424712 * z[0], got[0], 2e-6);
            assertEquals(-1.2008175074410352 + 0.1002993517424712 * z[1], got[1], 2e-6);
            // t = 0: the last step, no noise
            got = sampler.step(m.create(new float[] {0.1f, -0.7f}, shape), 0, -1,
                    m.create(new float[] {0.3f, 2.0f}, shape), new Rng(5)).prevSample().toFloatArray();
            assertEquals(0.29901495112134346, got[0], 2e-6);
            assertEquals(2.007100357526877, got[1], 2e-6);
        }
    }

    @Test
    void lastStepAddsNoNoiseAndReturnsThePredictedX0() {
        AncestralSampler sampler = AncestralSampler.seed(new GaussianDiffusion(s, Prediction.EPS));
        try (NDManager m = NDManager.newBaseManager()) {
            StepOutput a = sampler.step(m.create(eps, new Shape(1, 1, 2, 2)), 0, -1, m.create(xt, new Shape(1, 1, 2, 2)), new Rng(1));
            StepOutput b = sampler.step(m.create(eps, new Shape(1, 1, 2, 2)), 0, -1, m.create(xt, new Shape(1, 1, 2, 2)), new Rng(2));
            float[] fa = a.prevSample().toFloatArray();
            float[] fb = b.prevSample().toFloatArray();
            float[] x0 = a.predX0().toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(fa[i], fb[i], 0f);
                assertEquals(x0[i], fa[i], 1e-5);
            }
        }
    }
}
