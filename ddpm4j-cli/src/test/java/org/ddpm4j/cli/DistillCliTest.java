package org.ddpm4j.cli;

import static org.ddpm4j.cli.CliTest.assertOneLineError;
import static org.ddpm4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ddpm4j.data.TinyData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./ddpm distill}, then the student through sample, eval, tune-steps and inpaint as a user would. */
@org.junit.jupiter.api.extension.ExtendWith(org.ddpm4j.util.PrivateCache.class)
class DistillCliTest {

    @TempDir
    Path dir;

    @Test
    void distilsAStudentThatSamplesAtItsStepsAndSaysWhatItCannotDo() throws Exception {
        Path data = TinyData.idx(dir);
        String t = dir.resolve("teacher").toString();
        String s = dir.resolve("student").toString();
        assertEquals(0, run("train", "--data", "idx:" + data, "--conditional", "--steps", "2", "--batch", "4", "--base", "8", "--mults", "1,2",
                "--blocks", "1", "--out", t).code());
        assertOneLineError(run("distill", "--run", t, "--out", s, "--steps", "4", "--teacher-steps", "12"), 1,
                "--teacher-steps must be --steps (4) times a power of 2");
        assertOneLineError(run("distill", "--run", t, "--out", s, "--method", "magic"), 1, "unknown --method 'magic' (available: progressive, consistency)");
        assertOneLineError(run("distill", "--run", t, "--out", s, "--method", "consistency", "--steps", "4", "--teacher-steps", "10"), 1,
                "--teacher-steps must be a multiple of --steps (4)");
        assertOneLineError(run("distill", "--out", s), 1, "give the teacher with --run");
        assertOneLineError(run("distill", "--run", dir.resolve("nothing").toString(), "--out", s), 1, "no run at");

        CliTest.Result d = run("distill", "--run", t, "--out", s, "--steps", "2", "--teacher-steps", "4", "--updates", "2", "--batch", "4");
        assertEquals(0, d.code(), d.err());
        assertTrue(d.out().contains("student written to " + s), d.out());
        assertTrue(Files.exists(Path.of(s, "loss.png")));
        assertOneLineError(run("distill", "--run", t, "--out", s), 1, "already holds a run");

        String pics = dir.resolve("pics").toString();
        CliTest.Result sample = run("sample", "--run", s, "--class", "1", "--n", "2", "--out", pics);
        assertEquals(0, sample.code(), sample.err());
        assertTrue(sample.err().contains("is a distilled student: it samples with DDIM at 2 steps"), sample.err());
        assertOneLineError(run("sample", "--run", s, "--steps", "20", "--n", "2", "--out", pics), 1,
                "this run was distilled (progressive) to sample with DDIM at 2 steps; use --steps 2");
        assertOneLineError(run("tune-steps", "--run", s, "--steps", "2"), 1, "is a distilled student");

        CliTest.Result e = run("eval", "--run", s, "--n", "10");
        assertEquals(0, e.code(), e.err());
        JsonObject line = JsonParser.parseString(e.out().lines().findFirst().orElseThrow()).getAsJsonObject();
        assertEquals(2, line.get("steps").getAsInt());
        assertEquals("distilled", line.get("schedule").getAsString());
        assertEquals(0.0, line.get("guidance").getAsDouble(), "the guidance is built into the student");

        String c = dir.resolve("consistency").toString();
        CliTest.Result cd = run("distill", "--run", t, "--out", c, "--method", "consistency", "--steps", "2", "--teacher-steps", "4",
                "--updates", "2", "--batch", "4");
        assertEquals(0, cd.code(), cd.err());
        for (String k : new String[] {"1", "2"}) {
            CliTest.Result cs = run("sample", "--run", c, "--class", "1", "--n", "2", "--steps", k, "--out", pics);
            assertEquals(0, cs.code(), cs.err());
            assertTrue(cs.err().contains("is a distilled student: it samples with the consistency sampler at " + k + " steps"), cs.err());
        }
        assertOneLineError(run("sample", "--run", c, "--steps", "3", "--n", "2", "--out", pics), 1,
                "this run was distilled (consistency) to sample with the consistency sampler at 1 to 2 steps; use --steps 1 to 2");
        assertOneLineError(run("sample", "--run", c, "--sampler", "ddim", "--n", "2", "--out", pics), 1, "use --sampler consistency");
    }
}
