package org.ddpm4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import org.ddpm4j.DdpmException;
import org.ddpm4j.schedule.NoiseSchedule;
import org.ddpm4j.util.Json;
import org.junit.jupiter.api.Test;

/** The typed diffusion config keeps the checkpoint's JSON spelling, and reads the spellings older checkpoints hold. */
class DiffusionConfigTest {

    @Test
    void writesLowerCaseNamesAndReadsEveryOldSpelling() {
        DiffusionConfig dc = DiffusionConfig.of("cosine", 1000, 1e-4, 0.02, "v");
        assertEquals(NoiseSchedule.Kind.COSINE, dc.schedule());
        assertEquals(Prediction.V, dc.prediction());
        var json = Json.GSON.toJsonTree(dc).getAsJsonObject();
        assertEquals("cosine", json.get("schedule").getAsString());
        assertEquals("v", json.get("prediction").getAsString());
        assertEquals(dc, Json.decode(json, DiffusionConfig.class, "diffusion"));
        for (String[] old : new String[][] {{"linear", "eps"}, {"LINEAR", "epsilon"}, {"sigmoid", "x0"}, {"COSINE", "v_prediction"}, {"cosine", "sample"}}) {
            var o = JsonParser.parseString("{\"schedule\":\"" + old[0] + "\",\"steps\":1000,\"betaStart\":1e-4,\"betaEnd\":0.02,\"prediction\":\""
                    + old[1] + "\"}");
            DiffusionConfig read = Json.decode(o, DiffusionConfig.class, "diffusion");
            assertEquals(NoiseSchedule.Kind.parse(old[0]), read.schedule(), old[0]);
            assertEquals(Prediction.parse(old[1]), read.prediction(), old[1]);
        }
        var bad = JsonParser.parseString("{\"schedule\":\"quadratic\",\"steps\":1000,\"betaStart\":1e-4,\"betaEnd\":0.02,\"prediction\":\"v\"}");
        DdpmException e = assertThrows(DdpmException.class, () -> Json.decode(bad, DiffusionConfig.class, "diffusion"));
        assertTrue(e.getMessage().startsWith("diffusion"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }
}
