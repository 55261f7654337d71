package org.ddpm4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.ddpm4j.checkpoint.TunedSchedules;
import org.ddpm4j.data.TinyData;
import org.ddpm4j.sampler.TimestepSpacing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tuned time points: found by the meter, stored beside the checkpoint, used by default, overridden by a spacing. */
@org.junit.jupiter.api.extension.ExtendWith(org.ddpm4j.util.PrivateCache.class)
class StepTuningTest {

    @TempDir
    Path dir;

    @Test
    void theWarpsAndMovesKeepTimePointsStrictlyDecreasingInsideT() {
        assertArrayEquals(TimestepSpacing.TRAILING.timesteps(1000, 4), StepTuning.warp(1000, 4, 1.0), "rho 1 is the trailing spacing");
        assertArrayEquals(new int[] {999, 561, 249, 61}, StepTuning.warp(1000, 4, 2.0), "round(1000 u^2) - 1 for u = 1, 3/4, 1/2, 1/4");
        assertArrayEquals(new int[] {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, StepTuning.warp(10, 10, 3.0), "crowded points are spread apart");
        assertNull(StepTuning.repaired(new int[] {3, 2, 1, 0, 0}, 4), "five points do not fit in T = 4");
        assertArrayEquals(new int[] {999, 624, 249}, StepTuning.nudge(new int[] {999, 499, 249}, 1, 1, 0.25, 1000), "a quarter of the gap up");
        assertArrayEquals(new int[] {999, 374, 249}, StepTuning.nudge(new int[] {999, 499, 249}, 1, -1, 0.5, 1000), "half of the gap down");
        assertNull(StepTuning.nudge(new int[] {999, 998}, 0, 1, 0.5, 1000), "no room above T-1");
        assertArrayEquals(new int[] {999, 498}, StepTuning.nudge(new int[] {999, 998}, 1, -1, 0.5, 1000), "the last point may go down to 0");
    }

    @Test
    void aTuningIsStoredUsedByDefaultAndOverriddenByASpacing() throws Exception {
        Path run = dir.resolve("run");
        Training.run(Training.unet().data("idx:" + TinyData.idx(dir)).digit(1).steps(2).batch(4).base(8).mults(1, 2).blocks(1).plan(),
                run, false, TrainingListener.NONE);
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (DiffusionModel model = DiffusionModel.open(run)) {
            Generation ipndm3 = Generation.builder().count(4).sampler(SamplerKind.IPNDM).steps(3).seed(5).build();
            assertEquals("trailing", model.timePoints(ipndm3).origin());
            StepTuning.Result r = StepTuning.tuneAndStore(model, ipndm3, 3, 10, 0.2, 3, quiet);
            TunedSchedules.Entry e = r.entry();
            assertEquals(3, e.timesteps().length);
            assertTrue(e.fidTuned() <= e.fidBaseline(), "the baseline is a candidate: " + e.fidTuned() + " vs " + e.fidBaseline());
            assertTrue(e.evaluations() >= 1);
            assertEquals(StepTuning.TUNING_SEED, e.tuningSeed());
            assertTrue(Files.exists(run.resolve(TunedSchedules.FILE)));
            assertArrayEquals(e.timesteps(), TunedSchedules.find(run, "ipndm", 3).orElseThrow().timesteps(), "read back");

            DiffusionModel.TimePoints used = model.timePoints(ipndm3);
            assertEquals("tuned", used.origin());
            assertArrayEquals(e.timesteps(), used.timesteps());
            float[] tuned = model.generate(ipndm3).values();
            assertArrayEquals(model.generate(ipndm3.toBuilder().timesteps(e.timesteps()).build()).values(), tuned, 0f,
                    "the tuned points are the explicit points");
            Generation trailing = ipndm3.toBuilder().spacing(TimestepSpacing.TRAILING).build();
            assertEquals("trailing", model.timePoints(trailing).origin(), "a spacing overrides the tuned points");
            if (!Arrays.equals(e.timesteps(), TimestepSpacing.TRAILING.timesteps(1000, 3))) {
                assertFalse(Arrays.equals(tuned, model.generate(trailing).values()));
            }
            assertEquals("trailing", model.timePoints(ipndm3.toBuilder().steps(4).build()).origin(), "only for its step count");
            assertEquals("trailing", model.timePoints(ipndm3.toBuilder().sampler(SamplerKind.DDIM).build()).origin(), "only for its sampler");
        }
    }

    @Test
    void explicitTimePointsAreCheckedAndNamed() throws Exception {
        assertEquals("timesteps", assertThrows(InvalidRequestException.class, () -> Generation.builder().timesteps(5, 5)).field());
        assertEquals("timesteps", assertThrows(InvalidRequestException.class,
                () -> Generation.builder().spacing(TimestepSpacing.LEADING).timesteps(9, 3).build()).field());
        assertEquals("timesteps", assertThrows(InvalidRequestException.class,
                () -> Generation.builder().timesteps(9, 3).steps(4).build()).field());
        assertEquals(2, Generation.builder().timesteps(9, 3).build().steps().getAsInt());
    }
}
