package org.ddpm4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.ChosenWeights;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.data.TinyData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The meter's choice among a run's weights: scored, stored, used by default, ignored once stale, kept out of the budget. */
class WeightChoiceTest {

    @TempDir
    Path dir;

    @Test
    void aStoredChoiceRoundTripsAndADamagedOneIsOneLine() throws Exception {
        ChosenWeights c = new ChosenWeights("ema:0.100", 1377, Map.of("ema:0.100", 3.5), 1_000_003L, 200, 3, "ddim", 20, 41.5);
        c.write(dir);
        assertEquals(c, ChosenWeights.read(dir).orElseThrow());
        Files.writeString(dir.resolve(ChosenWeights.FILE), "{\"weights\": ");
        DdpmException e = assertThrows(DdpmException.class, () -> ChosenWeights.read(dir));
        assertTrue(e.getMessage().contains("is damaged") && !e.getMessage().contains("\n"), e.getMessage());
        ChosenWeights.delete(dir);
        assertTrue(ChosenWeights.read(dir).isEmpty());
    }

    @Test
    void theBestScoredWeightsAreStoredUsedByDefaultAndDroppedWhenStale() throws Exception {
        Path data = TinyData.idx(dir);
        Path run = dir.resolve("run");
        String before = System.getProperty("ddpm4j.cache");
        System.setProperty("ddpm4j.cache", dir.resolve("cache").toString());
        try {
            Training.Recipe recipe = Training.unet().data("idx:" + data).digit(1).steps(6).batch(4).base(8).mults(1, 2).blocks(1)
                    .sampleEvery(0).emaStds(List.of(0.10)).chooseWeights(10);
            StringBuilder said = new StringBuilder();
            Training.run(recipe.plan(), run, false, new TrainingListener() {
                @Override
                public void onMessage(String line) {
                    said.append(line).append('\n');
                }
            });
            assertTrue(said.toString().contains("the weights will not be chosen"), "no meter cached yet: " + said);
            assertTrue(ChosenWeights.read(run).isEmpty());
            try (DiffusionModel m = DiffusionModel.open(run)) {
                assertEquals(DiffusionModel.Weights.EMA, m.weights(), "no choice: the EMA");
                assertTrue(m.chosenWeights().isEmpty());
            }

            ByteArrayOutputStream log = new ByteArrayOutputStream();
            ChosenWeights c = WeightChoice.choose(run, 10, 3, new PrintStream(log, true, StandardCharsets.UTF_8));
            assertEquals(List.of("ema", "ema:0.100", "raw"), List.copyOf(c.fid().keySet()), "every kept set, in order");
            double min = c.fid().values().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            assertEquals(min, c.fid().get(c.weights()), 0, "the lowest FID wins");
            assertEquals(6, c.step());
            assertEquals(StepTuning.TUNING_SEED, c.seed());
            assertEquals(10, c.images());
            assertEquals(3, log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("weights ")).count(), log.toString());
            try (DiffusionModel m = DiffusionModel.open(run);
                    DiffusionModel same = DiffusionModel.open(run, DiffusionModel.Weights.parse(c.weights()))) {
                assertEquals(c.weights(), m.weights().toString(), "best = the stored choice");
                assertEquals(c, m.chosenWeights().orElseThrow());
                Generation g = Generation.builder().count(2).steps(3).seed(5).build();
                assertEquals(java.util.Arrays.toString(same.generate(g).values()), java.util.Arrays.toString(m.generate(g).values()));
            }
            // a choice made at another step than the checkpoint's no longer applies
            new ChosenWeights("raw", 5, c.fid(), c.seed(), c.images(), c.meter(), c.sampler(), c.steps(), c.seconds()).write(run);
            try (DiffusionModel m = DiffusionModel.open(run)) {
                assertEquals(DiffusionModel.Weights.EMA, m.weights());
                assertFalse(m.chosenWeights().isPresent());
            }

            // with the meter cached, training chooses at its end, and a new training drops the old choice first
            Path again = dir.resolve("again");
            StringBuilder said2 = new StringBuilder();
            Training.run(recipe.plan(), again, false, new TrainingListener() {
                @Override
                public void onMessage(String line) {
                    said2.append(line).append('\n');
                }
            });
            ChosenWeights c2 = ChosenWeights.read(again).orElseThrow();
            assertEquals(c.fid(), c2.fid(), "the same run, the same held-out images, the same scores");
            assertTrue(said2.toString().contains("sampling uses " + c2.weights()), said2.toString());
            assertEquals(6, Run.open(again).stateSection().get("step").getAsLong());
        } finally {
            if (before == null) {
                System.clearProperty("ddpm4j.cache");
            } else {
                System.setProperty("ddpm4j.cache", before);
            }
        }
    }

    @Test
    void aRunWithOnlyItsRawWeightsHasNothingToChoose() throws Exception {
        Path data = TinyData.idx(dir);
        Path run = dir.resolve("raw-only");
        Training.run(Training.unet().data("idx:" + data).digit(1).steps(2).batch(4).base(8).mults(1, 2).blocks(1).sampleEvery(0).ema(0)
                .plan(), run, false, TrainingListener.NONE);
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> WeightChoice.choose(run, 10, 3, System.err));
        assertTrue(e.getMessage().contains("nothing to choose"), e.getMessage());
        assertThrows(InvalidRequestException.class, () -> WeightChoice.choose(run, 5, 3, System.err));
        assertThrows(InvalidRequestException.class, () -> Training.unet().chooseWeights(5).plan());
    }
}
