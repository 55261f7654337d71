package org.ddpm4j.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.ddpm4j.DdpmException;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.diffusion.Prediction;
import org.ddpm4j.schedule.NoiseSchedule;
import org.ddpm4j.util.Noise;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The checks every sampler must pass (diffusers' SchedulerCommonTest in spirit). */
class SamplerContractTest {

    static Stream<SamplerConfig> samplers() {
        List<SamplerConfig> list = new ArrayList<>();
        for (String spacing : new String[] {"linspace", "leading", "trailing"}) {
            for (boolean clip : new boolean[] {false, true}) {
                list.add(SamplerConfig.of("ddpm", 0, spacing, "beta", clip));
                list.add(SamplerConfig.of("ddpm", 0, spacing, "posterior", clip));
                list.add(SamplerConfig.of("ddim", 0, spacing, "beta", clip));
                list.add(SamplerConfig.of("ddim", 0.5, spacing, "beta", clip));
                list.add(SamplerConfig.of("dpm++", 0, spacing, "beta", clip));
                list.add(SamplerConfig.of("dpm++3m", 0, spacing, "beta", clip));
                list.add(SamplerConfig.of("ipndm", 0, spacing, "beta", clip));
                list.add(SamplerConfig.of("consistency", 0, spacing, "beta", clip));
            }
        }
        return list.stream();
    }

    /** A stand-in network: a fixed smooth function of x_t and t. */
    static NDArray fakeModel(NDArray x, int t) {
        return x.mul(0.3f).add(0.2f * (t / 1000f)).tanh();
    }

    static float[] run(SamplerConfig sc, Prediction p, int steps, long seed, float scale) {
        GaussianDiffusion d = new GaussianDiffusion(NoiseSchedule.cosine(1000), p);
        Sampler s = sc.build(d);
        Rng rng = new Rng(seed);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = Noise.randn(rng, m, new Shape(2, 1, 3, 3)).mul(scale);
            int[] ts = s.timesteps(steps);
            assertEquals(steps, ts.length);
            for (int i = 1; i < ts.length; i++) {
                assertTrue(ts[i] < ts[i - 1], "strictly decreasing timesteps");
            }
            assertTrue(ts[0] <= 999 && ts[ts.length - 1] >= 0);
            s.reset();
            for (int i = 0; i < ts.length; i++) {
                int tPrev = i + 1 < ts.length ? ts[i + 1] : -1;
                NDArray out = scale > 1 ? x.sign().mul(scale) : fakeModel(x, ts[i]);
                StepOutput so = s.step(out, ts[i], tPrev, x, rng);
                assertEquals(x.getShape(), so.prevSample().getShape());
                assertEquals(x.getShape(), so.predX0().getShape());
                x = so.prevSample();
            }
            return x.toFloatArray();
        }
    }

    @ParameterizedTest
    @MethodSource("samplers")
    void shapesDeterminismAndStepCounts(SamplerConfig sc) {
        for (Prediction p : Prediction.values()) {
            for (int steps : new int[] {1, 10, 1000}) {
                float[] a = run(sc, p, steps, 42, 1);
                float[] b = run(sc, p, steps, 42, 1);
                assertArrayEquals(a, b, 0f, sc + " " + p + " " + steps + " steps must be deterministic for a seed");
                for (float v : a) {
                    assertTrue(Float.isFinite(v), sc + " " + p + " " + steps + " steps gave " + v);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("samplers")
    void noNaNOnExtremeInputs(SamplerConfig sc) {
        for (Prediction p : Prediction.values()) {
            for (int steps : new int[] {1, 2, 50}) {
                for (float v : run(sc, p, steps, 7, 1000f)) {
                    assertTrue(Float.isFinite(v), sc + " " + p + " gave " + v + " on inputs of size 1000");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("samplers")
    void rejectsImpossibleStepCounts(SamplerConfig sc) {
        Sampler s = sc.build(new GaussianDiffusion(NoiseSchedule.seedDefault(), Prediction.EPS));
        assertThrows(DdpmException.class, () -> s.timesteps(0));
        assertThrows(DdpmException.class, () -> s.timesteps(1001));
    }
}
