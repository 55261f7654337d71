package org.ddpm4j.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.ddpm4j.api.ComputeDevice;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.checkpoint.ChosenWeights;
import org.ddpm4j.checkpoint.Run;
import org.junit.jupiter.api.Test;

/** The studio samples with the weights the meter chose, and picks up a choice made while it runs. */
class WorkerWeightsTest {

    @Test
    void aNewChoiceOfWeightsReloadsTheModel() throws Exception {
        Path src = StudioFixture.runs().resolve("plain");
        Path run = Files.createTempDirectory("ddpm4j-worker").resolve("plain");
        Files.createDirectories(run);
        try (var files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, run.resolve(f.getFileName()));
                }
            }
        }
        try (Worker w = new Worker(ComputeDevice.CPU)) {
            Run r = Run.open(run);
            DiffusionModel first = w.model("plain", r);
            assertEquals(DiffusionModel.Weights.EMA, first.weights(), "no choice yet: the EMA");
            assertSame(first, w.model("plain", r), "loaded once");
            long step = r.stateSection().get("step").getAsLong();
            new ChosenWeights("raw", step, Map.of("ema", 2.0, "raw", 1.0), 1_000_003L, 10, 3, "ddim", 20, 1.0).write(run);
            DiffusionModel second = w.model("plain", r);
            assertNotSame(first, second);
            assertEquals(DiffusionModel.Weights.RAW, second.weights(), "the choice made while the studio ran");
        }
    }
}
