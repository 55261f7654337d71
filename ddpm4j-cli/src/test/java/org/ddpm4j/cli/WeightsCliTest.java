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
import org.ddpm4j.checkpoint.ChosenWeights;
import org.ddpm4j.data.TinyData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./ddpm weights} and {@code train --choose-weights}: the meter's choice is stored, said, used and overridable. */
class WeightsCliTest {

    @TempDir
    Path dir;

    private static JsonObject firstLine(CliTest.Result r) {
        return JsonParser.parseString(r.out().lines().findFirst().orElseThrow()).getAsJsonObject();
    }

    @Test
    void chosenStoredSaidAndOverridable() throws Exception {
        Path data = TinyData.idx(dir);
        String r = dir.resolve("run").toString();
        String before = System.getProperty("ddpm4j.cache");
        System.setProperty("ddpm4j.cache", dir.resolve("cache").toString());
        try {
            String[] train = {"train", "--data", "idx:" + data, "--digit", "1", "--steps", "4", "--batch", "4", "--base", "8", "--mults", "1,2",
                "--blocks", "1", "--sample-every", "0", "--ema-std", "0.05", "--choose-weights", "10", "--out", r};
            CliTest.Result t = run(train);
            assertEquals(0, t.code(), t.err());
            assertTrue(t.out().contains("the weights will not be chosen") && t.out().contains("./ddpm weights --run"), t.out() + t.err());
            assertFalse(Files.exists(Path.of(r, ChosenWeights.FILE)));
            assertOneLineError(run("weights", "--run", r, "--n", "5"), 1, "--n must be in 10..100000, got 5");
            assertOneLineError(run("weights", "--run", dir.resolve("none").toString()), 1, "no run at");

            CliTest.Result w = run("weights", "--run", r, "--n", "10");
            assertEquals(0, w.code(), w.err());
            JsonObject line = firstLine(w);
            String chosen = line.get("weights").getAsString();
            assertEquals(java.util.Set.of("ema", "ema:0.050", "raw"), line.getAsJsonObject("fid_tuning_seed").keySet());
            assertTrue(Files.exists(Path.of(r, ChosenWeights.FILE)));

            CliTest.Result e = run("eval", "--run", r, "--n", "10", "--steps", "3");
            assertEquals(0, e.code(), e.err());
            assertEquals(chosen, firstLine(e).get("weights").getAsString(), "eval uses the choice by default");
            assertTrue(e.err().contains("weights: " + chosen + " FID"), e.err());
            CliTest.Result ee = run("eval", "--run", r, "--n", "10", "--steps", "3", "--weights", "ema");
            assertEquals("ema", firstLine(ee).get("weights").getAsString());
            assertFalse(ee.err().contains("weights: "), "no choice in use, nothing said");
            CliTest.Result er = run("eval", "--run", r, "--n", "10", "--steps", "3", "--no-ema");
            assertEquals("raw", firstLine(er).get("weights").getAsString());
            CliTest.Result s = run("sample", "--run", r, "--n", "2", "--steps", "3", "--out", dir.resolve("s").toString());
            assertEquals(0, s.code(), s.err());
            assertTrue(s.err().contains("weights: " + chosen), s.err());

            // the meter is cached now: training chooses at its end, and says what it chose
            String r2 = dir.resolve("run2").toString();
            train[train.length - 1] = r2;
            CliTest.Result t2 = run(train);
            assertEquals(0, t2.code(), t2.err());
            assertTrue(t2.out().contains("sampling uses " + chosen), t2.out());
            assertTrue(Files.exists(Path.of(r2, ChosenWeights.FILE)));
            assertOneLineError(run("train", "--data", "idx:" + data, "--choose-weights", "3", "--out", dir.resolve("r3").toString()), 1,
                    "--choose-weights must be 0 (no choice) or in 10..");
        } finally {
            if (before == null) {
                System.clearProperty("ddpm4j.cache");
            } else {
                System.setProperty("ddpm4j.cache", before);
            }
        }
    }
}
