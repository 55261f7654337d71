package org.ddpm4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.checkpoint.Distilled;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.data.TinyData;
import org.ddpm4j.train.ProgressiveDistillation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Distillation} as a library user runs it: a student run distilled from a conditional teacher samples at its
 * own step count without guidance, refuses what it was not trained for in one line naming the field, and a cancelled
 * distillation resumes to the weights of an uninterrupted one, across a round.
 */
class DistillationTest {

    static Path dir;
    static Path teacher;

    @BeforeAll
    static void teach() throws Exception {
        dir = Files.createTempDirectory("ddpm4j-distill");
        Path data = TinyData.idx(dir);
        teacher = dir.resolve("teacher");
        ApiTest.train(Training.unet().data("idx:" + data).conditional(true).steps(3), teacher);
    }

    /** Two rounds (4 -> 2 -> 1 steps) of 3 updates each, batch 4. */
    private static Distillation.Plan plan() {
        return Distillation.from(teacher).steps(1).teacherSteps(4).updates(6).batch(4).sampleEvery(0).checkpointEvery(0).plan();
    }

    @Test
    void aStudentSamplesAtItsStepsWithoutGuidanceAndRefusesOthers() {
        Path student = dir.resolve("student");
        List<String> said = new ArrayList<>();
        Training.Outcome done = Distillation.run(plan(), student, false, new TrainingListener() {
            @Override
            public void onMessage(String line) {
                said.add(line);
            }
        });
        assertEquals(new Training.Outcome(6, 6, true), done);
        assertTrue(said.get(0).startsWith("distilling " + teacher.toAbsolutePath().normalize()), said.toString());
        assertTrue(said.get(0).contains("4 -> 1 DDIM steps in 2 rounds, guidance 0.25 distilled in"), said.get(0));
        Run run = Run.open(student);
        Distilled d = Distilled.of(run).orElseThrow();
        assertEquals(1, d.round(), "the last round reached");
        assertEquals(1, d.steps());
        assertEquals(Defaults.GUIDANCE, d.guidance());
        assertTrue(run.hasTensors(ProgressiveDistillation.TEACHER), "the teacher's weights are in the checkpoint");
        assertFalse(run.hasTensors(Run.EMA), "the student keeps no EMA: rounds are short");

        try (DiffusionModel first = DiffusionModel.open(student.resolve(Distillation.ROUNDS).resolve("2"))) {
            assertEquals(java.util.OptionalInt.of(2), first.distilledSteps(), "the first round's student is kept as a run");
        }
        assertFalse(Files.exists(student.resolve(Distillation.ROUNDS).resolve("1")), "the last round's student is the run itself");
        try (DiffusionModel m = DiffusionModel.open(student)) {
            Generation g = Generation.builder().count(3).classIndex(1).seed(1).build();
            assertEquals(1, m.steps(g));
            assertEquals(java.util.OptionalInt.of(1), m.distilledSteps());
            assertEquals("distilled", m.timePoints(g).origin());
            assertArrayEquals(new int[] {999}, m.timePoints(g).timesteps());
            assertEquals(0, m.guide(g).classifierFreeWeight(), "the guidance is built in");
            assertEquals(0.5, m.guide(g.toBuilder().guidance(0.5).build()).classifierFreeWeight(), "unless asked for");
            GeneratedImages images = m.generate(g);
            assertEquals(3, images.count());
            assertEquals("steps", assertThrows(InvalidRequestException.class,
                    () -> m.generate(g.toBuilder().steps(2).build())).field());
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> m.generate(g.toBuilder().sampler(SamplerKind.IPNDM).build()));
            assertEquals("sampler", e.field());
            assertTrue(e.getMessage().contains("distilled (progressive) to sample with DDIM at 1 steps"), e.getMessage());
            BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
            assertEquals("run", assertThrows(InvalidRequestException.class, () -> m.inpaint(Inpainting.of(img, img).build())).field());
        }
        assertEquals("run", assertThrows(InvalidRequestException.class, () -> Distillation.from(student).plan()).field(),
                "a student is not distilled again");
    }

    @Test
    void aCancelledDistillationResumesToTheWeightsOfAnUninterruptedOne() {
        Path whole = dir.resolve("whole");
        Path cut = dir.resolve("cut");
        Distillation.run(plan(), whole, false, TrainingListener.NONE);
        // cancelled inside the second round, with its teacher the first round's student
        Training.Outcome stopped = Distillation.run(plan(), cut, false, ApiTest.cancelAt(4));
        assertEquals(new Training.Outcome(4, 6, false), stopped);
        assertEquals(1, Distilled.of(Run.open(cut)).orElseThrow().round());
        assertEquals(new Training.Outcome(6, 6, true), Distillation.run(Distillation.resumePlan(cut), cut, true, TrainingListener.NONE));
        try (DiffusionModel a = DiffusionModel.open(whole); DiffusionModel b = DiffusionModel.open(cut)) {
            Generation g = Generation.builder().count(4).everyClass().seed(3).build();
            assertArrayEquals(a.generate(g).values(), b.generate(g).values(), 0f, "resumed = uninterrupted");
        }
    }

    /** A consistency student on a grid of 2 points, 2 teacher steps per interval, 4 updates of batch 4. */
    private static Distillation.Plan consistencyPlan() {
        return Distillation.from(teacher).method("consistency").steps(2).teacherSteps(4).updates(4).batch(4).sampleEvery(0)
                .checkpointEvery(0).plan();
    }

    @Test
    void aConsistencyStudentSamplesAtOneToItsGridsStepsAndResumesExactly() {
        Path whole = dir.resolve("cm-whole");
        Path cut = dir.resolve("cm-cut");
        List<String> said = new ArrayList<>();
        Distillation.run(consistencyPlan(), whole, false, new TrainingListener() {
            @Override
            public void onMessage(String line) {
                said.add(line);
            }
        });
        assertTrue(said.get(0).contains("consistency: a grid of 2 time points, 4 teacher DDIM steps, guidance 0.25 distilled in"), said.get(0));
        Distilled d = Distilled.of(Run.open(whole)).orElseThrow();
        assertTrue(d.consistency());
        assertEquals(2, d.steps());
        assertEquals("1 to 2", d.supported());
        assertFalse(Files.exists(whole.resolve(Distillation.ROUNDS)), "one round: no round snapshots");
        Training.Outcome stopped = Distillation.run(consistencyPlan(), cut, false, ApiTest.cancelAt(2));
        assertEquals(new Training.Outcome(2, 4, false), stopped);
        assertEquals(new Training.Outcome(4, 4, true), Distillation.run(Distillation.resumePlan(cut), cut, true, TrainingListener.NONE));
        try (DiffusionModel a = DiffusionModel.open(whole); DiffusionModel b = DiffusionModel.open(cut)) {
            Generation g = Generation.builder().count(3).classIndex(1).seed(4).build();
            assertEquals(2, a.steps(g), "the grid's steps by default");
            assertEquals(SamplerKind.CONSISTENCY.id(), a.samplerSettings(g).kind().id());
            assertArrayEquals(new int[] {999, 499}, a.timePoints(g).timesteps());
            assertEquals(0, a.guide(g).classifierFreeWeight(), "the guidance is built in");
            float[] two = a.generate(g).values();
            assertArrayEquals(two, b.generate(g).values(), 0f, "resumed = uninterrupted");
            Generation one = g.toBuilder().steps(1).build();
            assertArrayEquals(new int[] {999}, a.timePoints(one).timesteps());
            float[] single = a.generate(one).values();
            assertEquals(two.length, single.length);
            assertFalse(java.util.Arrays.equals(two, single), "one step is one jump; two steps jump, noise afresh and jump again");
            assertArrayEquals(single, a.generate(one.toBuilder().sampler(SamplerKind.CONSISTENCY).build()).values(), 0f);
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> a.generate(g.toBuilder().steps(3).build()));
            assertEquals("steps", e.field());
            assertTrue(e.getMessage().contains("distilled (consistency) to sample with the consistency sampler at 1 to 2 steps"), e.getMessage());
            assertEquals("sampler", assertThrows(InvalidRequestException.class,
                    () -> a.generate(g.toBuilder().sampler(SamplerKind.DDIM).build())).field());
        }
    }

    @Test
    void badSettingsNameTheirField() {
        assertEquals("teacher-steps", assertThrows(InvalidRequestException.class,
                () -> Distillation.from(teacher).method("consistency").steps(4).teacherSteps(10).plan()).field());
        assertEquals("teacher-steps", assertThrows(InvalidRequestException.class, () -> Distillation.from(teacher).steps(4).teacherSteps(12).plan()).field());
        assertEquals("method", assertThrows(InvalidRequestException.class, () -> Distillation.from(teacher).method("magic").plan()).field());
        assertEquals("steps", assertThrows(InvalidRequestException.class, () -> Distillation.from(teacher).steps(0).plan()).field());
        assertEquals("budget", assertThrows(InvalidRequestException.class, () -> Distillation.from(teacher).minutes(1).updates(5).plan()).field());
        assertEquals("out", assertThrows(InvalidRequestException.class, () -> Distillation.run(plan(), teacher, false, TrainingListener.NONE)).field());
    }
}
