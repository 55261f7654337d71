package org.ddpm4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** PyTorch's fused SiLU and GroupNorm, reached through the embedded TorchScript module, against DJL's composed ops. */
class NativeOpsTest {

    @AfterEach
    void restore() {
        NativeOps.setEnabled(true);
    }

    @Test
    void theModuleLoadsFromTheJar() {
        Engine.getInstance();
        assertNull(NativeOps.failure());
        assertTrue(NativeOps.available());
    }

    @Test
    void groupNormThenSiluGivesTheComposedValuesAndGradients() {
        int b = 3;
        int c = 16;
        int hw = 5;
        float[] x = new Rng(11).gaussians(b * c * hw * hw);
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * 2.5f + (i % 5) - 1; // non-zero mean, non-unit variance
        }
        float[] gamma = new Rng(12).gaussians(c);
        float[] beta = new Rng(13).gaussians(c);
        float[] up = new Rng(14).gaussians(x.length); // the gradient arriving from above
        float[][] nat = run(true, x, gamma, beta, up, b, c, hw);
        float[][] comp = run(false, x, gamma, beta, up, b, c, hw);
        String[] what = {"gn values", "gn+silu values", "d x", "d gamma", "d beta", "silu values", "silu d x"};
        for (int k = 0; k < nat.length; k++) {
            assertEquals(comp[k].length, nat[k].length, what[k]);
            double scale = 0;
            for (float v : comp[k]) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < nat[k].length; i++) {
                assertEquals(comp[k][i], nat[k][i], 2e-5 * Math.max(1, scale), what[k] + " at " + i);
            }
        }
        // and the plain GroupNorm values match torch.nn.GroupNorm's formula in double precision
        double[] xd = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            xd[i] = x[i];
        }
        double[] ref = GroupNormTest.reference(xd, b, c, hw * hw, 4, gamma, beta);
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], nat[0][i], 1e-4, "reference at " + i);
        }
    }

    /** GroupNorm(4, c) forward; GN+SiLU forward and backward of sum(up * y); SiLU alone forward and backward. */
    private static float[][] run(boolean fused, float[] x, float[] gamma, float[] beta, float[] up, int b, int c, int hw) {
        NativeOps.setEnabled(fused);
        assertEquals(fused, NativeOps.available());
        Shape s = new Shape(b, c, hw, hw);
        try (NDManager m = NDManager.newBaseManager()) {
            GroupNorm gn = new GroupNorm(4, c);
            gn.initialize(m, DataType.FLOAT32, s);
            Tensors.copyInto(gn.getParameters().get("gamma").getArray(), gamma);
            Tensors.copyInto(gn.getParameters().get("beta").getArray(), beta);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray xs = Tensors.fromJava(m, x, s);
            NDArray u = Tensors.fromJava(m, up, s);
            float[] plain = gn.forward(ps, new NDList(xs), false).singletonOrThrow().toFloatArray();
            NDArray xg = Tensors.fromJava(m, x, s);
            xg.setRequiresGradient(true);
            float[] y;
            try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
                NDArray out = gn.forwardSilu(ps, xg, true);
                y = out.toFloatArray();
                g.backward(out.mul(u).sum());
            }
            float[] dx = xg.getGradient().toFloatArray();
            float[] dg = gn.getParameters().get("gamma").getArray().getGradient().toFloatArray();
            float[] db = gn.getParameters().get("beta").getArray().getGradient().toFloatArray();
            NDArray xs2 = Tensors.fromJava(m, x, s);
            xs2.setRequiresGradient(true);
            float[] sv;
            try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
                NDArray out = Layers.silu(xs2);
                sv = out.toFloatArray();
                g.backward(out.mul(u).sum());
            }
            return new float[][] {plain, y, dx, dg, db, sv, xs2.getGradient().toFloatArray()};
        }
    }
}
