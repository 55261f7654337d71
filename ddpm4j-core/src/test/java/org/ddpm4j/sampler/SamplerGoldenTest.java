package org.ddpm4j.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.diffusion.Prediction;
import org.ddpm4j.schedule.NoiseSchedule;
import org.ddpm4j.util.Noise;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.api.Test;

/** Each sampler's step against the paper's formula evaluated independently in double precision. */
class SamplerGoldenTest {

    private final NoiseSchedule s = NoiseSchedule.seedDefault();
    private final double[] x = {0.7, -1.3, 0.05, 2.2};
    private final double[] e = {-0.4, 0.9, 1.1, -0.2};

    private NDArray arr(NDManager m, double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return m.create(f, new Shape(1, 1, 2, 2));
    }

    @Test
    void ddimEquation12() {
        int t = 700;
        int tp = 650;
        double eta = 0.5;
        double ab = s.alphaBar(t);
        double abp = s.alphaBar(tp);
        double sigma = eta * Math.sqrt((1 - abp) / (1 - ab) * (1 - ab / abp));
        float[] z = new Rng(3).gaussians(4);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] got = new DdimSampler(new GaussianDiffusion(s, Prediction.EPS), eta, TimestepSpacing.LEADING, false)
                    .step(arr(m, e), t, tp, arr(m, x), new Rng(3)).prevSample().toFloatArray();
            for (int i = 0; i < 4; i++) {
                double x0 = (x[i] - Math.sqrt(1 - ab) * e[i]) / Math.sqrt(ab);
                double expected = Math.sqrt(abp) * x0 + Math.sqrt(1 - abp - sigma * sigma) * e[i] + sigma * z[i];
                assertEquals(expected, got[i], 1e-5, "i=" + i);
            }
        }
    }

    @Test
    void ddimWithVPredictionConvertsThroughX0AndEps() {
        int t = 400;
        int tp = 200;
        double ab = s.alphaBar(t);
        double abp = s.alphaBar(tp);
        try (NDManager m = NDManager.newBaseManager()) {
            double[] v = {0.3, -0.2, 0.8, -1.0};
            float[] got = new DdimSampler(new GaussianDiffusion(s, Prediction.V), 0, TimestepSpacing.LEADING, false)
                    .step(arr(m, v), t, tp, arr(m, x), new Rng(0)).prevSample().toFloatArray();
            for (int i = 0; i < 4; i++) {
                double x0 = Math.sqrt(ab) * x[i] - Math.sqrt(1 - ab) * v[i];
                double eps = Math.sqrt(ab) * v[i] + Math.sqrt(1 - ab) * x[i];
                assertEquals(Math.sqrt(abp) * x0 + Math.sqrt(1 - abp) * eps, got[i], 1e-5);
            }
        }
    }

    @Test
    void dpmSolverPlusPlus2MAlgorithm2() {
        int[] ts = {900, 600, 300};
        double[][] eps = {e, {0.2, -0.1, 0.5, 0.3}};
        double[] ref = x.clone();
        double[] prevX0 = null;
        double prevLambda = 0;
        for (int k = 0; k < 2; k++) {
            double a = Math.sqrt(s.alphaBar(ts[k]));
            double sg = Math.sqrt(1 - s.alphaBar(ts[k]));
            double a2 = Math.sqrt(s.alphaBar(ts[k + 1]));
            double sg2 = Math.sqrt(1 - s.alphaBar(ts[k + 1]));
            double lam = Math.log(a / sg);
            double h = Math.log(a2 / sg2) - lam;
            double[] next = new double[4];
            double[] x0 = new double[4];
            for (int i = 0; i < 4; i++) {
                x0[i] = (ref[i] - sg * eps[k][i]) / a;
                double d = x0[i];
                if (prevX0 != null) {
                    double r = (lam - prevLambda) / h;
                    d = (1 + 1 / (2 * r)) * x0[i] - 1 / (2 * r) * prevX0[i];
                }
                next[i] = sg2 / sg * ref[i] - a2 * (Math.exp(-h) - 1) * d;
            }
            prevX0 = x0;
            prevLambda = lam;
            ref = next;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            DpmSolverPlusPlus solver = new DpmSolverPlusPlus(new GaussianDiffusion(s, Prediction.EPS), TimestepSpacing.LINSPACE, false);
            solver.reset();
            NDArray cur = arr(m, x);
            for (int k = 0; k < 2; k++) {
                cur = solver.step(arr(m, eps[k]), ts[k], ts[k + 1], cur, new Rng(0)).prevSample();
            }
            float[] got = cur.toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(ref[i], got[i], 1e-5, "i=" + i);
            }
        }
    }

    /**
     * DPM-Solver++(3M) over five steps (orders 1, 2, 3, 3, then the final step to t = -1) against k-diffusion's
     * {@code sample_dpmpp_3m_sde} at eta = 0, written out in its own variables (x / alpha, sigma / alpha,
     * t = -log(sigma / alpha)) in double precision and compared after every step.
     */
    @Test
    void dpmSolverPlusPlus3MIsKDiffusionsThirdOrderMultistep() {
        int[] ts = {950, 700, 450, 250, 100, -1};
        double[][] eps = {e, {0.2, -0.1, 0.5, 0.3}, {-0.6, 0.4, 0.0, 0.9}, {0.1, 0.1, -0.3, 0.2}, {0.5, -0.7, 0.2, -0.1}};
        double[] xve = new double[4];
        double a0 = Math.sqrt(s.alphaBar(ts[0]));
        for (int i = 0; i < 4; i++) {
            xve[i] = x[i] / a0;
        }
        double[] d1s = null;
        double[] d2s = null;
        double h1 = Double.NaN;
        double h2 = Double.NaN;
        double[][] want = new double[5][];
        for (int k = 0; k < 5; k++) {
            double ab = s.alphaBar(ts[k]);
            double sig = Math.sqrt((1 - ab) / ab); // k-diffusion's sigma
            double[] den = new double[4];
            for (int i = 0; i < 4; i++) {
                den[i] = xve[i] - sig * eps[k][i]; // D = x - sigma eps in VE variables
            }
            double h = Double.NaN;
            if (ts[k + 1] < 0) {
                xve = den.clone();
                want[k] = den.clone(); // alpha = 1 at sigma = 0
            } else {
                double abN = s.alphaBar(ts[k + 1]);
                double sigN = Math.sqrt((1 - abN) / abN);
                h = -Math.log(sigN) + Math.log(sig);
                for (int i = 0; i < 4; i++) {
                    double v = Math.exp(-h) * xve[i] + (-Math.expm1(-h)) * den[i];
                    double phi2 = Math.expm1(-h) / h + 1;
                    if (d2s != null) {
                        double r0 = h1 / h;
                        double r1 = h2 / h;
                        double d10 = (den[i] - d1s[i]) / r0;
                        double d11 = (d1s[i] - d2s[i]) / r1;
                        double d1 = d10 + (d10 - d11) * r0 / (r0 + r1);
                        double d2 = (d10 - d11) / (r0 + r1);
                        double phi3 = phi2 / h - 0.5;
                        v += phi2 * d1 - phi3 * d2;
                    } else if (d1s != null) {
                        v += phi2 * (den[i] - d1s[i]) / (h1 / h);
                    }
                    xve[i] = v;
                }
                want[k] = new double[4];
                for (int i = 0; i < 4; i++) {
                    want[k][i] = xve[i] * Math.sqrt(abN); // back to the VP variable the sampler holds
                }
            }
            d2s = d1s;
            d1s = den;
            h2 = h1;
            h1 = h;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            DpmSolverPlusPlus solver = new DpmSolverPlusPlus(new GaussianDiffusion(s, Prediction.EPS), TimestepSpacing.LINSPACE, false, 3);
            solver.reset();
            NDArray cur = arr(m, x);
            for (int k = 0; k < 5; k++) {
                cur = solver.step(arr(m, eps[k]), ts[k], ts[k + 1], cur, new Rng(0)).prevSample();
                float[] got = cur.toFloatArray();
                for (int i = 0; i < 4; i++) {
                    assertEquals(want[k][i], got[i], 1e-4 * Math.max(1, Math.abs(want[k][i])), "step " + k + " i=" + i);
                }
            }
            assertEquals("dpm++3m", solver.name());
        }
    }

    /**
     * iPNDM over five steps (orders 1, 2, 3, 4, 4, the last to t = -1) against Adams-Bashforth in the scaled ODE
     * variable y = x / sqrt(ab), s = sqrt((1 - ab) / ab), evaluated in double precision; with v-prediction so the
     * conversion to eps is part of what is checked.
     */
    @Test
    void ipndmIsAdamsBashforthInTheScaledOde() {
        int[] ts = {950, 700, 450, 250, 100, -1};
        double[][] v = {e, {0.2, -0.1, 0.5, 0.3}, {-0.6, 0.4, 0.0, 0.9}, {0.1, 0.1, -0.3, 0.2}, {0.5, -0.7, 0.2, -0.1}};
        double[][] ab = {{1, 0, 0, 0}, {1.5, -0.5, 0, 0}, {23 / 12.0, -16 / 12.0, 5 / 12.0, 0}, {55 / 24.0, -59 / 24.0, 37 / 24.0, -9 / 24.0}};
        double[] ref = x.clone();
        java.util.List<double[]> history = new java.util.ArrayList<>(); // newest first
        for (int k = 0; k < 5; k++) {
            double a = s.alphaBar(ts[k]);
            double sNow = Math.sqrt((1 - a) / a);
            double sNext = ts[k + 1] < 0 ? 0 : Math.sqrt((1 - s.alphaBar(ts[k + 1])) / s.alphaBar(ts[k + 1]));
            double[] eps = new double[4];
            for (int i = 0; i < 4; i++) {
                eps[i] = Math.sqrt(a) * v[k][i] + Math.sqrt(1 - a) * ref[i]; // v-prediction to eps
            }
            history.add(0, eps);
            int order = Math.min(4, history.size());
            double[] next = new double[4];
            for (int i = 0; i < 4; i++) {
                double d = 0;
                for (int j = 0; j < order; j++) {
                    d += ab[order - 1][j] * history.get(j)[i];
                }
                double y = ref[i] / Math.sqrt(a) + (sNext - sNow) * d;
                next[i] = ts[k + 1] < 0 ? y : y * Math.sqrt(s.alphaBar(ts[k + 1]));
            }
            ref = next;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            IpndmSampler solver = new IpndmSampler(new GaussianDiffusion(s, Prediction.V), TimestepSpacing.LINSPACE, false);
            solver.reset();
            NDArray cur = arr(m, x);
            for (int k = 0; k < 5; k++) {
                cur = solver.step(arr(m, v[k]), ts[k], ts[k + 1], cur, new Rng(0)).prevSample();
            }
            float[] got = cur.toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(ref[i], got[i], 1e-4 * Math.max(1, Math.abs(ref[i])), "i=" + i);
            }
        }
    }

    @Test
    void ipndmOfOrderOneIsDeterministicDdim() {
        GaussianDiffusion d = new GaussianDiffusion(s, Prediction.EPS);
        try (NDManager m = NDManager.newBaseManager()) {
            IpndmSampler euler = new IpndmSampler(d, TimestepSpacing.LINSPACE, false, 1);
            DdimSampler ddim = new DdimSampler(d, 0, TimestepSpacing.LINSPACE, false);
            NDArray a = arr(m, x);
            NDArray b = arr(m, x);
            int[] ts = {800, 500, 200, -1};
            for (int k = 0; k < 3; k++) {
                NDArray out = SamplerContractTest.fakeModel(a, ts[k]);
                a = euler.step(out, ts[k], ts[k + 1], a, new Rng(0)).prevSample();
                b = ddim.step(SamplerContractTest.fakeModel(b, ts[k]), ts[k], ts[k + 1], b, new Rng(0)).prevSample();
            }
            assertArrayEquals(b.toFloatArray(), a.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void ddimWithEtaOneOverAllStepsIsAncestralWithPosteriorVariance() {
        GaussianDiffusion d = new GaussianDiffusion(s, Prediction.EPS);
        Sampler ddim = new DdimSampler(d, 1.0, TimestepSpacing.LINSPACE, false);
        Sampler ddpm = new AncestralSampler(d, AncestralSampler.Variance.POSTERIOR, TimestepSpacing.LINSPACE, false);
        float[][] finals = new float[2][];
        int k = 0;
        for (Sampler sampler : new Sampler[] {ddim, ddpm}) {
            Rng rng = new Rng(77); // the same noise for both
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray cur = Noise.randn(rng, m, new Shape(1, 1, 4, 4));
                int[] ts = sampler.timesteps(1000);
                for (int i = 0; i < ts.length; i++) {
                    NDArray out = SamplerContractTest.fakeModel(cur, ts[i]);
                    cur = sampler.step(out, ts[i], i + 1 < ts.length ? ts[i + 1] : -1, cur, rng).prevSample();
                }
                finals[k++] = cur.toFloatArray();
            }
        }
        assertArrayEquals(finals[1], finals[0], 2e-3f);
    }

    @Test
    void consistencySamplerJumpsToX0ThenNoisesAfresh() {
        // Song et al. 2023, Algorithm 1 in VP form, in double: x0 = c1 x_t + c2 out (clipped), then
        // x_t' = sqrt(ab') x0 + sqrt(1 - ab') z with fresh z; the last step returns x0 itself
        GaussianDiffusion d = new GaussianDiffusion(NoiseSchedule.cosine(1000), Prediction.V);
        Sampler cm = new ConsistencySampler(d, TimestepSpacing.TRAILING, true);
        try (NDManager m = NDManager.newBaseManager()) {
            Rng r = new Rng(5);
            NDArray x = Noise.randn(r, m, new Shape(1, 1, 4, 4));
            NDArray out = Noise.randn(r, m, new Shape(1, 1, 4, 4)).mul(2f); // large enough that clipping matters
            for (int[] pair : new int[][] {{999, 499}, {499, -1}}) {
                float[] xs = x.toFloatArray();
                float[] os = out.toFloatArray();
                float[] z = Noise.randn(new Rng(11), m, new Shape(1, 1, 4, 4)).toFloatArray(); // the sampler's draw
                StepOutput so = cm.step(out, pair[0], pair[1], x, new Rng(11));
                float[] got = so.prevSample().toFloatArray();
                float[] gotX0 = so.predX0().toFloatArray();
                double abPrev = pair[1] < 0 ? 1 : d.schedule().alphaBar(pair[1]);
                for (int j = 0; j < xs.length; j++) {
                    double x0 = Math.max(-1, Math.min(1, d.x0FromXtCoefficient(pair[0]) * xs[j] + d.x0Coefficient(pair[0]) * os[j]));
                    double want = pair[1] < 0 ? x0 : Math.sqrt(abPrev) * x0 + Math.sqrt(1 - abPrev) * z[j];
                    assertEquals(x0, gotX0[j], 1e-5, "x0, pixel " + j);
                    assertEquals(want, got[j], 1e-5, pair[0] + " -> " + pair[1] + ", pixel " + j);
                }
            }
        }
    }

    @Test
    void timestepSpacingsMatchDiffusers() {
        // numpy reference: linspace(0, 999, 10).round()[::-1]; arange(0, 10) * 100 [::-1]; round(arange(1000, 0, -100)) - 1
        assertArrayEquals(new int[] {999, 888, 777, 666, 555, 444, 333, 222, 111, 0}, TimestepSpacing.LINSPACE.timesteps(1000, 10));
        assertArrayEquals(new int[] {900, 800, 700, 600, 500, 400, 300, 200, 100, 0}, TimestepSpacing.LEADING.timesteps(1000, 10));
        assertArrayEquals(new int[] {999, 899, 799, 699, 599, 499, 399, 299, 199, 99}, TimestepSpacing.TRAILING.timesteps(1000, 10));
        assertArrayEquals(new int[] {999, 666, 332}, TimestepSpacing.TRAILING.timesteps(1000, 3));
    }
}
