package org.ddpm4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ddpm4j.util.Tensors;
import org.junit.jupiter.api.Test;

/**
 * Every kernel the U-Net and the classifier use, over the shapes they can reach, forward and backward,
 * against references computed here in double precision. A native kernel that gives wrong values for some
 * shapes on some CPU (as oneDNN's convolution backward does on AVX-512: see {@link PaddedConv2d}) fails here
 * instead of in a user's run.
 */
class KernelSweepTest {

    private static final double TOL = 2e-3; // relative to 1 + |reference|; float32 sums of up to ~10^4 terms

    @Test
    void convolutionsForwardAndBackwardMatchADoublePrecisionReference() {
        int[] channels = {1, 3, 4, 8, 16, 32, 64, 128};
        int[] sizes = {2, 3, 4, 7, 8, 14, 16, 28, 32, 64};
        Random r = new Random(7);
        List<String> bad = new ArrayList<>();
        int cases = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (int ci : channels) {
                for (int co : channels) {
                    for (int h : sizes) {
                        for (int k : new int[] {1, 3}) {
                            for (int stride : new int[] {1, 2}) {
                                for (int groups : new int[] {1, 4}) {
                                    if (ci % groups != 0 || co % groups != 0 || (groups > 1 && (ci < 8 || co < 8))) {
                                        continue;
                                    }
                                    long cost = 2L * ci / groups * co * h * h * k * k;
                                    if (cost > 4_000_000 && !(h >= 32 && ci * co <= 64)) {
                                        continue; // bounded test time; every size still meets small channel counts
                                    }
                                    cases++;
                                    String err = checkConv(m, r, 2, ci, co, h, k, stride, groups);
                                    if (err != null) {
                                        bad.add(err);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assertTrue(cases > 500, "the sweep covers " + cases + " shapes");
        assertTrue(bad.isEmpty(), bad.size() + " of " + cases + " convolution shapes are wrong, e.g. " + bad.subList(0, Math.min(5, bad.size())));
    }

    /** One convolution as the networks run it ({@link PaddedConv2d}): y = conv(x, w) + bias, L = sum(y * g); checks y, dL/dx, dL/dw, dL/dbias. */
    private static String checkConv(NDManager parent, Random r, int b, int ci, int co, int h, int k, int stride, int groups) {
        int p = k / 2;
        int oh = (h + 2 * p - k) / stride + 1;
        int cig = ci / groups;
        int cog = co / groups;
        float[] x = gaussians(r, b * ci * h * h, 1);
        float[] w = gaussians(r, co * cig * k * k, 0.3);
        float[] bias = gaussians(r, co, 0.1);
        float[] g = gaussians(r, b * co * oh * oh, 1);
        double[] y = new double[g.length];
        double[] dx = new double[x.length];
        double[] dw = new double[w.length];
        double[] db = new double[co];
        for (int n = 0; n < b; n++) {
            for (int o = 0; o < co; o++) {
                int grp = o / cog;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < oh; j++) {
                        int yi = ((n * co + o) * oh + i) * oh + j;
                        double s = bias[o];
                        double gg = g[yi];
                        db[o] += gg;
                        for (int c = 0; c < cig; c++) {
                            int cin = grp * cig + c;
                            for (int u = 0; u < k; u++) {
                                int yy = i * stride + u - p;
                                if (yy < 0 || yy >= h) {
                                    continue;
                                }
                                for (int v = 0; v < k; v++) {
                                    int xx = j * stride + v - p;
                                    if (xx < 0 || xx >= h) {
                                        continue;
                                    }
                                    int xi = ((n * ci + cin) * h + yy) * h + xx;
                                    int wi = ((o * cig + c) * k + u) * k + v;
                                    s += (double) x[xi] * w[wi];
                                    dx[xi] += gg * w[wi];
                                    dw[wi] += gg * x[xi];
                                }
                            }
                        }
                        y[yi] = s;
                    }
                }
            }
        }
        try (NDManager s = parent.newSubManager()) {
            NDArray xs = Tensors.fromJava(s, x, new Shape(b, ci, h, h));
            NDArray ws = Tensors.fromJava(s, w, new Shape(co, cig, k, k));
            NDArray bs = Tensors.fromJava(s, bias, new Shape(co));
            NDArray gs = Tensors.fromJava(s, g, new Shape(b, co, oh, oh));
            xs.setRequiresGradient(true);
            ws.setRequiresGradient(true);
            bs.setRequiresGradient(true);
            float[] out;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray ys = PaddedConv2d.conv2d(xs, ws, bs, new Shape(stride, stride), new Shape(p, p), groups);
                out = ys.toFloatArray();
                gc.backward(ys.mul(gs).sum());
            }
            String where = String.format("conv ci=%d co=%d %dx%d k=%d stride=%d groups=%d", ci, co, h, h, k, stride, groups);
            return firstMismatch(where, new String[] {"y", "dx", "dw", "dbias"},
                    new float[][] {out, xs.getGradient().toFloatArray(), ws.getGradient().toFloatArray(), bs.getGradient().toFloatArray()},
                    new double[][] {y, dx, dw, db});
        }
    }

    @Test
    void groupNormForwardAndBackwardMatchADoublePrecisionReference() {
        Random r = new Random(11);
        List<String> bad = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            for (int c : new int[] {4, 8, 16, 32, 64, 128}) {
                for (int groups : new int[] {1, 4, 8}) {
                    for (int h : new int[] {2, 4, 7, 8, 14, 16, 28, 32, 64}) {
                        if (c % groups != 0 || (long) c * h * h > 131072) {
                            continue;
                        }
                        String err = checkGroupNorm(m, r, 2, c, groups, h);
                        if (err != null) {
                            bad.add(err);
                        }
                    }
                }
            }
        }
        assertTrue(bad.isEmpty(), bad.size() + " group-norm shapes are wrong, e.g. " + bad.subList(0, Math.min(5, bad.size())));
    }

    /** The native layer-norm kernel over (B, G, C/G*H*W), as {@link GroupNorm} runs it, with L = sum(y * g). */
    private static String checkGroupNorm(NDManager parent, Random r, int b, int c, int groups, int h) {
        int k = c / groups * h * h;
        float[] x = gaussians(r, b * c * h * h, 2);
        float[] g = gaussians(r, x.length, 1);
        double eps = 1e-5;
        double[] y = new double[x.length];
        double[] dx = new double[x.length];
        for (int row = 0; row < b * groups; row++) {
            int off = row * k;
            double mean = 0;
            for (int i = 0; i < k; i++) {
                mean += x[off + i];
            }
            mean /= k;
            double var = 0;
            for (int i = 0; i < k; i++) {
                var += (x[off + i] - mean) * (x[off + i] - mean);
            }
            var /= k;
            double inv = 1 / Math.sqrt(var + eps);
            double gMean = 0;
            double gxMean = 0;
            for (int i = 0; i < k; i++) {
                y[off + i] = (x[off + i] - mean) * inv;
                gMean += g[off + i];
                gxMean += g[off + i] * y[off + i];
            }
            gMean /= k;
            gxMean /= k;
            for (int i = 0; i < k; i++) {
                dx[off + i] = inv * (g[off + i] - gMean - y[off + i] * gxMean);
            }
        }
        try (NDManager s = parent.newSubManager()) {
            NDArray xs = Tensors.fromJava(s, x, new Shape(b, groups, k));
            NDArray gs = Tensors.fromJava(s, g, new Shape(b, groups, k));
            NDArray one = s.ones(new Shape(k));
            NDArray zero = s.zeros(new Shape(k));
            xs.setRequiresGradient(true);
            float[] out;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray ys = LayerNorm.layerNorm(xs, new Shape(k), one, zero, (float) eps).singletonOrThrow();
                out = ys.toFloatArray();
                gc.backward(ys.mul(gs).sum());
            }
            return firstMismatch(String.format("group norm c=%d groups=%d %dx%d", c, groups, h, h), new String[] {"y", "dx"},
                    new float[][] {out, xs.getGradient().toFloatArray()}, new double[][] {y, dx});
        }
    }

    @Test
    void attentionForwardAndBackwardMatchADoublePrecisionReference() {
        Random r = new Random(13);
        List<String> bad = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            for (int d : new int[] {4, 8, 16, 32, 64}) {
                for (int side : new int[] {1, 2, 3, 4, 7, 8, 14}) {
                    String err = checkAttention(m, r, 2, 2, side * side, d);
                    if (err != null) {
                        bad.add(err);
                    }
                }
            }
        }
        assertTrue(bad.isEmpty(), bad.size() + " attention shapes are wrong, e.g. " + bad.subList(0, Math.min(5, bad.size())));
    }

    /**
     * softmax(Q K^T / sqrt(d)) V as {@code SelfAttention} computes it, Q (B, h, N, d), K (B, h, d, N), V (B, h, N, d),
     * L = sum(O * G). Backward by hand: dV = P^T G, dP = G V^T, dS = P (dP - rowsum(dP P)), dQ = dS K^T s, dK = Q^T dS s.
     */
    private static String checkAttention(NDManager parent, Random r, int b, int heads, int n, int d) {
        int bh = b * heads;
        float[] q = gaussians(r, bh * n * d, 1);
        float[] kt = gaussians(r, bh * d * n, 1);
        float[] v = gaussians(r, bh * n * d, 1);
        float[] g = gaussians(r, bh * n * d, 1);
        double sc = 1 / Math.sqrt(d);
        double[] o = new double[q.length];
        double[] dq = new double[q.length];
        double[] dk = new double[kt.length];
        double[] dv = new double[v.length];
        for (int z = 0; z < bh; z++) {
            int qo = z * n * d;
            int ko = z * d * n;
            double[][] pm = new double[n][n];
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int e = 0; e < d; e++) {
                        s += (double) q[qo + i * d + e] * kt[ko + e * n + j];
                    }
                    pm[i][j] = s * sc;
                    max = Math.max(max, pm[i][j]);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    pm[i][j] = Math.exp(pm[i][j] - max);
                    sum += pm[i][j];
                }
                for (int j = 0; j < n; j++) {
                    pm[i][j] /= sum;
                }
            }
            for (int i = 0; i < n; i++) {
                double[] dp = new double[n];
                for (int j = 0; j < n; j++) {
                    for (int e = 0; e < d; e++) {
                        o[qo + i * d + e] += pm[i][j] * v[qo + j * d + e];
                        dv[qo + j * d + e] += pm[i][j] * g[qo + i * d + e];
                        dp[j] += (double) g[qo + i * d + e] * v[qo + j * d + e];
                    }
                }
                double dot = 0;
                for (int j = 0; j < n; j++) {
                    dot += dp[j] * pm[i][j];
                }
                for (int j = 0; j < n; j++) {
                    double ds = pm[i][j] * (dp[j] - dot) * sc;
                    for (int e = 0; e < d; e++) {
                        dq[qo + i * d + e] += ds * kt[ko + e * n + j];
                        dk[ko + e * n + j] += ds * q[qo + i * d + e];
                    }
                }
            }
        }
        try (NDManager s = parent.newSubManager()) {
            NDArray qs = Tensors.fromJava(s, q, new Shape(b, heads, n, d));
            NDArray ks = Tensors.fromJava(s, kt, new Shape(b, heads, d, n));
            NDArray vs = Tensors.fromJava(s, v, new Shape(b, heads, n, d));
            NDArray gs = Tensors.fromJava(s, g, new Shape(b, heads, n, d));
            qs.setRequiresGradient(true);
            ks.setRequiresGradient(true);
            vs.setRequiresGradient(true);
            float[] out;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray os = Tensors.scale(qs.matMul(ks), (float) sc).softmax(-1).matMul(vs);
                out = os.toFloatArray();
                gc.backward(os.mul(gs).sum());
            }
            return firstMismatch(String.format("attention heads=%d tokens=%d d=%d", heads, n, d), new String[] {"o", "dq", "dk", "dv"},
                    new float[][] {out, qs.getGradient().toFloatArray(), ks.getGradient().toFloatArray(), vs.getGradient().toFloatArray()},
                    new double[][] {o, dq, dk, dv});
        }
    }

    private static float[] gaussians(Random r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    /** Null if every value matches its reference, else where, which tensor, and the worst error. */
    private static String firstMismatch(String where, String[] names, float[][] got, double[][] want) {
        for (int t = 0; t < names.length; t++) {
            assertEquals(want[t].length, got[t].length, where + " " + names[t] + " length");
            double worst = 0;
            for (int i = 0; i < got[t].length; i++) {
                double e = Float.isFinite(got[t][i]) ? Math.abs(got[t][i] - want[t][i]) / (1 + Math.abs(want[t][i])) : Double.POSITIVE_INFINITY;
                worst = Math.max(worst, e);
            }
            if (worst > TOL) {
                return where + ": " + names[t] + " off by " + String.format("%.3g", worst);
            }
        }
        return null;
    }
}
