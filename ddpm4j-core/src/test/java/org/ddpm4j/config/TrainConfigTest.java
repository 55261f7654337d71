package org.ddpm4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import org.ddpm4j.SettingException;
import org.junit.jupiter.api.Test;

/** The training config's parts: each changes alone, each validates its own fields, and the flat JSON round-trips. */
class TrainConfigTest {

    @Test
    void aPartChangesAloneAndTheRestStays() {
        TrainConfig seed = TrainConfig.seed("mnist", 3, 20, 7);
        TrainConfig longer = seed.withBudget(TrainConfig.Budget.steps(500));
        assertEquals(500, longer.budget().steps());
        assertEquals(0, longer.budget().epochs());
        assertEquals(seed.data(), longer.data());
        assertEquals(seed.optimiser(), longer.optimiser());
        assertEquals(seed.seed(), longer.seed());
        assertEquals(32, seed.withOptimiser(seed.optimiser().withBatchSize(32)).optimiser().batchSize());
        assertEquals("500 steps", longer.budget().toString());
    }

    @Test
    void eachPartNamesTheFieldItRefuses() {
        assertEquals("batch", assertThrows(SettingException.class, () -> TrainConfig.Optimiser.adam(0, 1e-4)).field());
        assertEquals("lr", assertThrows(SettingException.class, () -> TrainConfig.Optimiser.adam(8, 2.0)).field());
        assertEquals("epochs", assertThrows(SettingException.class, () -> new TrainConfig.Budget(1, 5, 0)).field());
        assertEquals("digit", assertThrows(SettingException.class, () -> TrainConfig.Data.of("mnist", 300)).field());
        assertEquals("p-uncond", assertThrows(SettingException.class, () -> new TrainConfig.Conditioning(true, 1.0)).field());
        assertEquals("min-snr", assertThrows(SettingException.class, () -> new TrainConfig.Objective(-1, false)).field());
        SettingException both = assertThrows(SettingException.class,
                () -> TrainConfig.seed("mnist", 3, 1, 0).withConditioning(new TrainConfig.Conditioning(true, 0.1)));
        assertEquals("conditional", both.field());
    }

    @Test
    void theFlatObjectRoundTripsAndOmittedKeysAreOff() {
        TrainConfig tc = new TrainConfig(new TrainConfig.Data("folder:pics", null, 32, 3, true), TrainConfig.Budget.minutes(30),
                new TrainConfig.Optimiser(64, 1e-3, 200, true, 0.01, 1.0, 0.999), new TrainConfig.Objective(5, true),
                new TrainConfig.Conditioning(true, 0.1), 42);
        assertEquals(tc, TrainConfig.fromJson(tc.toJson()));
        JsonObject minimal = new JsonObject();
        minimal.addProperty("data", "mnist");
        minimal.addProperty("steps", 10);
        minimal.addProperty("batchSize", 4);
        minimal.addProperty("learningRate", 1e-3);
        TrainConfig old = TrainConfig.fromJson(minimal);
        assertNull(old.data().digit());
        assertEquals(TrainConfig.Conditioning.NONE, old.conditioning());
        assertEquals(TrainConfig.Objective.MSE, old.objective());
        assertEquals(false, old.data().hflip());
    }
}
