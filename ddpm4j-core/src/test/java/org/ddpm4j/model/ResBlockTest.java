package org.ddpm4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.HashMap;
import java.util.Map;
import org.ddpm4j.util.Json;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;
import org.junit.jupiter.api.Test;

/** The residual block, both ways the embedding can enter it, against a double-precision re-computation. */
class ResBlockTest {

    private static final int B = 2;
    private static final int IN = 4;
    private static final int OUT = 6;
    private static final int GROUPS = 2;
    private static final int H = 3;
    private static final int W = 4;
    private static final int E = 5;

    @Test
    void addedEmbeddingMatchesTheFormulaInDouble() {
        check(false);
    }

    @Test
    void scaleShiftMatchesTheFormulaInDouble() {
        check(true);
    }

    @Test
    void configsWrittenBeforeScaleShiftReadAsAdded() {
        UNetConfig old = Json.decode(com.google.gson.JsonParser.parseString("{\"baseChannels\":32,\"channelMults\":[1,2,2],"
                + "\"blocksPerLevel\":2,\"attentionLevels\":[2],\"heads\":4,\"groups\":8,\"dropout\":0.0}"), UNetConfig.class, "old");
        assertEquals(UNetConfig.defaults(), old);
        UNetConfig ss = UNetConfig.defaults().withScaleShift(true);
        assertEquals(ss, Json.decode(Json.GSON.toJsonTree(ss), UNetConfig.class, "new"));
        assertTrue(!ss.equals(old), "a scale-shift network is another model");
    }

    private static void check(boolean scaleShift) {
        Rng rng = new Rng(scaleShift ? 5 : 4);
        float[] x = rng.gaussians(B * IN * H * W);
        float[] temb = rng.gaussians(B * E);
        try (NDManager m = NDManager.newBaseManager()) {
            ResBlock blk = new ResBlock(IN, OUT, GROUPS, 0f, scaleShift);
            blk.initialize(m, DataType.FLOAT32, new Shape(B, IN, H, W), new Shape(B, E));
            Map<String, float[]> p = new HashMap<>();
            for (Pair<String, Parameter> e : blk.getParameters()) {
                NDArray a = e.getValue().getArray();
                float[] v = rng.gaussians((int) a.size());
                for (int i = 0; i < v.length; i++) {
                    v[i] *= 0.5f; // keep activations moderate
                }
                Tensors.copyInto(a, v);
                p.put(e.getKey(), v);
            }
            float[] got = blk.forward(new ParameterStore(m, false),
                    new NDList(m.create(x, new Shape(B, IN, H, W)), m.create(temb, new Shape(B, E))), false)
                    .singletonOrThrow().toFloatArray();

            double[] h = conv3(silu(groupNorm(toDouble(x), IN, param(p, "norm1_gamma"), param(p, "norm1_beta"))), IN, OUT,
                    param(p, "conv1_weight"), param(p, "conv1_bias"));
            int proj = scaleShift ? 2 * OUT : OUT;
            double[] t = new double[B * proj];
            for (int b = 0; b < B; b++) {
                for (int o = 0; o < proj; o++) {
                    double s = param(p, "time_bias")[o];
                    for (int i = 0; i < E; i++) {
                        s += param(p, "time_weight")[o * E + i] * temb[b * E + i];
                    }
                    t[b * proj + o] = s;
                }
            }
            double[] mid;
            if (scaleShift) {
                mid = groupNorm(h, OUT, param(p, "norm2_gamma"), param(p, "norm2_beta"));
                for (int b = 0; b < B; b++) {
                    for (int c = 0; c < OUT; c++) {
                        for (int i = 0; i < H * W; i++) {
                            int k = (b * OUT + c) * H * W + i;
                            mid[k] = mid[k] * (1 + t[b * proj + c]) + t[b * proj + OUT + c];
                        }
                    }
                }
            } else {
                for (int b = 0; b < B; b++) {
                    for (int c = 0; c < OUT; c++) {
                        for (int i = 0; i < H * W; i++) {
                            h[(b * OUT + c) * H * W + i] += t[b * proj + c];
                        }
                    }
                }
                mid = groupNorm(h, OUT, param(p, "norm2_gamma"), param(p, "norm2_beta"));
            }
            double[] y = conv3(silu(mid), OUT, OUT, param(p, "conv2_weight"), param(p, "conv2_bias"));
            for (int b = 0; b < B; b++) {
                for (int o = 0; o < OUT; o++) {
                    for (int i = 0; i < H * W; i++) {
                        double s = param(p, "skip_bias")[o]; // 1x1 conv: channels change
                        for (int c = 0; c < IN; c++) {
                            s += param(p, "skip_weight")[o * IN + c] * x[(b * IN + c) * H * W + i];
                        }
                        y[(b * OUT + o) * H * W + i] += s;
                    }
                }
            }
            assertEquals(y.length, got.length);
            for (int i = 0; i < y.length; i++) {
                assertEquals(y[i], got[i], 1e-3 * Math.max(1, Math.abs(y[i])), "scaleShift=" + scaleShift + " i=" + i);
            }
        }
    }

    /** A parameter by its block and name, e.g. {@code norm1_gamma}, whatever prefix DJL gives it. */
    private static float[] param(Map<String, float[]> p, String name) {
        String[] parts = name.split("_");
        return p.entrySet().stream().filter(e -> e.getKey().contains(parts[0]) && e.getKey().endsWith(parts[1]))
                .map(Map.Entry::getValue).findFirst()
                .orElseThrow(() -> new AssertionError("no parameter " + name + " in " + p.keySet()));
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static double[] silu(double[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i] / (1 + Math.exp(-v[i]));
        }
        return d;
    }

    private static double[] groupNorm(double[] x, int c, float[] gamma, float[] beta) {
        return GroupNormTest.reference(x, B, c, H * W, GROUPS, gamma, beta);
    }

    /** 3x3 convolution, stride 1, zero padding 1; weight (out, in, 3, 3). */
    private static double[] conv3(double[] x, int in, int out, float[] w, float[] bias) {
        double[] y = new double[B * out * H * W];
        for (int b = 0; b < B; b++) {
            for (int o = 0; o < out; o++) {
                for (int r = 0; r < H; r++) {
                    for (int q = 0; q < W; q++) {
                        double s = bias[o];
                        for (int c = 0; c < in; c++) {
                            for (int dr = -1; dr <= 1; dr++) {
                                for (int dq = -1; dq <= 1; dq++) {
                                    int rr = r + dr;
                                    int qq = q + dq;
                                    if (rr >= 0 && rr < H && qq >= 0 && qq < W) {
                                        s += w[((o * in + c) * 3 + dr + 1) * 3 + dq + 1] * x[((b * in + c) * H + rr) * W + qq];
                                    }
                                }
                            }
                        }
                        y[((b * out + o) * H + r) * W + q] = s;
                    }
                }
            }
        }
        return y;
    }
}
