package org.ddpm4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.schedule.NoiseSchedule;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.api.Test;

class GaussianDiffusionTest {

    private final NoiseSchedule schedule = NoiseSchedule.seedDefault();

    @Test
    void qSampleIsTheClosedFormElementwise() {
        GaussianDiffusion d = new GaussianDiffusion(schedule, Prediction.EPS);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] x0 = {0.5f, -1f, 0.25f, 1f};
            float[] eps = {1f, -2f, 0.5f, 0f};
            int[] t = {0, 999};
            NDArray out = d.addNoise(m.create(x0, new Shape(2, 1, 1, 2)), m.create(eps, new Shape(2, 1, 1, 2)), t);
            float[] got = out.toFloatArray();
            for (int i = 0; i < 4; i++) {
                double ab = schedule.alphaBar(t[i / 2]);
                double expected = Math.sqrt(ab) * x0[i] + Math.sqrt(1 - ab) * eps[i];
                assertEquals(expected, got[i], 1e-6);
            }
        }
    }

    @Test
    void qSampleHasTheRightMeanAndVariance() {
        GaussianDiffusion d = new GaussianDiffusion(schedule, Prediction.EPS);
        int n = 200_000;
        Rng rng = new Rng(7);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int tt : new int[] {0, 99, 499, 999}) {
                NDArray x0 = m.full(new Shape(1, 1, 1, n), 0.5f);
                NDArray eps = m.create(rng.gaussians(n), new Shape(1, 1, 1, n));
                float[] xt = d.addNoise(x0, eps, new int[] {tt}).toFloatArray();
                double mean = 0;
                for (float v : xt) {
                    mean += v;
                }
                mean /= n;
                double var = 0;
                for (float v : xt) {
                    var += (v - mean) * (v - mean);
                }
                var /= n - 1;
                double ab = schedule.alphaBar(tt);
                double sd = Math.sqrt(1 - ab);
                // standard error of the mean is sd/sqrt(n); allow 5 of them
                assertEquals(Math.sqrt(ab) * 0.5, mean, 5 * sd / Math.sqrt(n) + 1e-6, "mean at t=" + tt);
                // relative standard error of a variance estimate is sqrt(2/n) ~ 0.3%; allow 2%
                assertEquals(1 - ab, var, 0.02 * (1 - ab), "variance at t=" + tt);
            }
        }
    }

    @Test
    void predictionConversionsInvertEachOther() {
        try (NDManager m = NDManager.newBaseManager()) {
            Rng rng = new Rng(3);
            Shape shape = new Shape(1, 1, 2, 3);
            NDArray x0 = m.create(rng.gaussians(6), shape);
            NDArray eps = m.create(rng.gaussians(6), shape);
            int t = 321;
            for (Prediction p : Prediction.values()) {
                GaussianDiffusion d = new GaussianDiffusion(schedule, p);
                NDArray xt = d.addNoise(x0, eps, new int[] {t});
                NDArray target = d.target(x0, eps, new int[] {t});
                assertArrayEquals(x0.toFloatArray(), d.predictX0(target, xt, t).toFloatArray(), 1e-4f, p + " x0");
                assertArrayEquals(eps.toFloatArray(), d.predictEps(target, xt, t).toFloatArray(), 1e-4f, p + " eps");
            }
        }
    }
}
