package org.ddpm4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Training;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run written by an earlier ddpm4j (checkpoint format 1, kept in the test resources by {@link FormatFixture})
 * still opens, generates the images it generated then, and resumes training.
 */
class OldCheckpointTest {

    @TempDir
    Path dir;

    private Path copyOfTheOldRun() throws IOException {
        Path run = Files.createDirectories(dir.resolve("format-1"));
        for (String f : new String[] {Run.CHECKPOINT, Run.LOG}) {
            try (InputStream in = getClass().getResourceAsStream("/old-runs/format-1/" + f)) {
                Files.copy(in, run.resolve(f));
            }
        }
        return run;
    }

    private float[] expected() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/old-runs/format-1/expected-images.txt")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split("\n");
            float[] v = new float[lines.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = Float.parseFloat(lines[i].trim());
            }
            return v;
        }
    }

    @Test
    void theTrainingConfigReadsAndWritesTheFlatObjectOldRunsStored() throws IOException {
        Run r = Run.open(copyOfTheOldRun());
        com.google.gson.JsonObject stored = r.checkpoint().meta().getAsJsonObject("train");
        org.ddpm4j.config.TrainConfig tc = r.train();
        assertTrue(tc.conditioning().conditional());
        assertEquals(stored, tc.toJson(), "every key, with the value it had");
        assertEquals(tc, org.ddpm4j.util.Json.decode(org.ddpm4j.util.Json.GSON.toJsonTree(tc), org.ddpm4j.config.TrainConfig.class, "again"));
    }

    @Test
    void opensGeneratesAndResumes() throws IOException {
        Path run = copyOfTheOldRun();
        Run r = Run.open(run);
        assertTrue(r.model().conditional());
        assertEquals(10, r.model().classes());
        assertEquals(28, r.model().size());
        assertEquals(4, r.train().budget().steps());
        assertEquals(new Run.Cadence(0, 2, 0), r.cadence(), "the plan settings of a run that stored them under \"cli\"");
        try (DiffusionModel model = DiffusionModel.open(run)) {
            float[] now = model.generate(FormatFixture.REQUEST).values();
            float[] then = expected();
            assertEquals(2 * 28 * 28, then.length);
            // the same weights and noise; only float rounding may differ between CPUs and kernels
            assertArrayEquals(then, now, 2e-3f);
        }
        // the interrupted old run resumes to its end
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Training.run(Training.resumePlan(run), run, true, quiet, quiet);
        List<TrainLog.Entry> log = TrainLog.read(run.resolve(Run.LOG));
        assertEquals(4, log.get(log.size() - 1).step());
        assertEquals(new Run.Cadence(0, 2, 0), Run.open(run).cadence(), "rewritten under \"plan\" with the same values");
        assertTrue(Run.open(run).checkpoint().meta().has(Run.CADENCE));
    }
}
