package org.ddpm4j.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.ddpm4j.SettingException;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.diffusion.Prediction;
import org.ddpm4j.schedule.NoiseSchedule;
import org.ddpm4j.util.Noise;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.api.Test;

/** Given time points change only where a sampler steps, never how. */
class FixedTimestepsTest {

    private static float[] walk(Sampler s, int steps) {
        Rng rng = new Rng(3);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = Noise.randn(rng, m, new Shape(2, 1, 3, 3));
            int[] ts = s.timesteps(steps);
            s.reset();
            for (int i = 0; i < ts.length; i++) {
                x = s.step(SamplerContractTest.fakeModel(x, ts[i]), ts[i], i + 1 < ts.length ? ts[i + 1] : -1, x, rng).prevSample();
            }
            return x.toFloatArray();
        }
    }

    @Test
    void theSamplersOwnTimePointsGiveItsOwnResultAndOthersAnother() {
        GaussianDiffusion d = new GaussianDiffusion(NoiseSchedule.cosine(1000), Prediction.V);
        for (String kind : new String[] {"ddpm", "ddim", "dpm++", "dpm++3m", "ipndm"}) {
            SamplerConfig sc = SamplerConfig.of(kind, 0, "trailing", "beta", true);
            int[] own = sc.build(d).timesteps(6);
            float[] plain = walk(sc.build(d), 6);
            assertArrayEquals(plain, walk(new FixedTimesteps(sc.build(d), own), 6), 0f, kind);
            int[] other = {999, 700, 450, 250, 100, 20};
            assertFalse(Arrays.equals(own, other));
            assertFalse(Arrays.equals(plain, walk(new FixedTimesteps(sc.build(d), other), 6)), kind + " at other time points");
        }
    }

    @Test
    void refusesTimePointsThatAreNotStrictlyDecreasingInsideT() {
        Sampler s = SamplerConfig.of("ddim", 0, "trailing", "beta", true).build(new GaussianDiffusion(NoiseSchedule.cosine(1000), Prediction.V));
        assertEquals("timesteps", assertThrows(SettingException.class, () -> new FixedTimesteps(s, new int[] {999, 999, 5})).field());
        assertEquals("timesteps", assertThrows(SettingException.class, () -> new FixedTimesteps(s, new int[] {1000, 5})).field());
        assertEquals("timesteps", assertThrows(SettingException.class, () -> new FixedTimesteps(s, new int[] {9, -1})).field());
        assertEquals("steps", assertThrows(SettingException.class, () -> new FixedTimesteps(s, new int[] {9, 1}).timesteps(3)).field());
    }
}
