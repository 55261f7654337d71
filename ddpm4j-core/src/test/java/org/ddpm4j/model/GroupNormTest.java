package org.ddpm4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;
import org.junit.jupiter.api.Test;

class GroupNormTest {

    @Test
    void matchesTheFormulaInDoublePrecision() {
        int b = 2;
        int c = 6;
        int h = 3;
        int w = 2;
        int groups = 3;
        float[] x = new Rng(9).gaussians(b * c * h * w);
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * 3 + (i % 7); // non-zero mean, non-unit variance
        }
        float[] gamma = {0.5f, 1.5f, -1f, 2f, 1f, 0.25f};
        float[] beta = {0f, 1f, -2f, 0.5f, 3f, -0.25f};
        try (NDManager m = NDManager.newBaseManager()) {
            GroupNorm gn = new GroupNorm(groups, c);
            gn.initialize(m, DataType.FLOAT32, new Shape(b, c, h, w));
            Tensors.copyInto(gn.getParameters().get("gamma").getArray(), gamma);
            Tensors.copyInto(gn.getParameters().get("beta").getArray(), beta);
            NDArray y = gn.forward(new ParameterStore(m, false), new NDList(m.create(x, new Shape(b, c, h, w))), false).singletonOrThrow();
            float[] got = y.toFloatArray();
            double[] xd = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                xd[i] = x[i];
            }
            double[] expected = reference(xd, b, c, h * w, groups, gamma, beta);
            for (int i = 0; i < x.length; i++) {
                assertEquals(expected[i], got[i], 1e-4, "i=" + i);
            }
        }
    }

    /** torch.nn.GroupNorm over (b, c, hw) in double: biased variance per group, eps 1e-5, per-channel affine. */
    static double[] reference(double[] x, int b, int c, int hw, int groups, float[] gamma, float[] beta) {
        double[] y = new double[x.length];
        int per = c / groups * hw;
        for (int n = 0; n < b; n++) {
            for (int g = 0; g < groups; g++) {
                int off = n * c * hw + g * per;
                double mean = 0;
                for (int i = 0; i < per; i++) {
                    mean += x[off + i];
                }
                mean /= per;
                double var = 0;
                for (int i = 0; i < per; i++) {
                    var += (x[off + i] - mean) * (x[off + i] - mean);
                }
                var /= per; // biased, as torch.nn.GroupNorm
                for (int i = 0; i < per; i++) {
                    int ch = g * (c / groups) + i / hw;
                    y[off + i] = (x[off + i] - mean) / Math.sqrt(var + 1e-5) * gamma[ch] + beta[ch];
                }
            }
        }
        return y;
    }
}
