package org.ddpm4j.cli;

import static org.ddpm4j.cli.CliTest.assertOneLineError;
import static org.ddpm4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ddpm4j.checkpoint.TunedSchedules;
import org.ddpm4j.data.TinyData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./ddpm tune-steps}, and sample and eval using (and saying so) or overriding what it stored. */
@org.junit.jupiter.api.extension.ExtendWith(org.ddpm4j.util.PrivateCache.class)
class TuneStepsCliTest {

    @TempDir
    Path dir;

    @Test
    void tunesStoresAndIsUsedUntilASpacingOverridesIt() throws Exception {
        Path data = TinyData.idx(dir);
        String r = dir.resolve("run").toString();
        assertEquals(0, run("train", "--data", "idx:" + data, "--digit", "1", "--steps", "2", "--batch", "4", "--base", "8", "--mults", "1,2",
                "--blocks", "1", "--out", r).code());
        assertOneLineError(run("tune-steps", "--run", r, "--steps", "1"), 1, "--steps must be in 2..1000, got 1");
        assertOneLineError(run("tune-steps", "--run", r, "--steps", "3", "--minutes", "0"), 1, "--minutes");
        assertOneLineError(run("tune-steps", "--run", r, "--steps", "3", "--guidance", "1"), 1, "needs a class-conditional run");

        CliTest.Result t = run("tune-steps", "--run", r, "--steps", "3", "--sampler", "ipndm", "--minutes", "0.1", "--n", "10");
        assertEquals(0, t.code(), t.err());
        JsonObject line = JsonParser.parseString(t.out().lines().findFirst().orElseThrow()).getAsJsonObject();
        assertEquals("ipndm", line.get("sampler").getAsString());
        assertEquals(3, line.getAsJsonArray("timesteps").size());
        assertTrue(line.get("fid_tuned_tuning_seed").getAsDouble() <= line.get("fid_baseline_tuning_seed").getAsDouble());
        assertTrue(Files.exists(Path.of(r, TunedSchedules.FILE)));

        String out = dir.resolve("s").toString();
        CliTest.Result s = run("sample", "--run", r, "--sampler", "ipndm", "--steps", "3", "--n", "2", "--out", out);
        assertEquals(0, s.code(), s.err());
        assertTrue(s.err().contains("using the tuned time points"), s.err());
        CliTest.Result plain = run("sample", "--run", r, "--sampler", "ipndm", "--steps", "3", "--n", "2", "--spacing", "trailing", "--out", out);
        assertFalse(plain.err().contains("tuned"), plain.err());
        CliTest.Result other = run("sample", "--run", r, "--sampler", "ipndm", "--steps", "4", "--n", "2", "--out", out);
        assertFalse(other.err().contains("tuned"), "another step count: " + other.err());

        CliTest.Result e = run("eval", "--run", r, "--sampler", "ipndm", "--steps", "3", "--n", "10");
        assertEquals(0, e.code(), e.err());
        assertEquals("tuned", JsonParser.parseString(e.out().lines().findFirst().orElseThrow()).getAsJsonObject().get("schedule").getAsString());
        CliTest.Result e2 = run("eval", "--run", r, "--sampler", "ipndm", "--steps", "3", "--n", "10", "--spacing", "trailing");
        assertEquals("trailing", JsonParser.parseString(e2.out().lines().findFirst().orElseThrow()).getAsJsonObject().get("schedule").getAsString());
        assertTrue(e2.out().contains("at trailing time points"), e2.out());
    }
}
