package org.ddpm4j.util;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The progress bar's rate and ETA. */
class ProgressBarTest {

    @Test
    void aResumedRunsRateCountsOnlyTheStepsOfThisProcess() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {0};
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "train", "step", () -> now[0]);
        now[0] = 10_000_000_000L;
        bar.update(501, 2100, ""); // the first step after a resume at 500
        now[0] = 20_500_000_000L;
        bar.update(541, 2100, "");
        String out = bytes.toString(StandardCharsets.UTF_8);
        // 41 steps in 20.5 s: 2.0 step/s and (2100 - 541) / 2 s to go, not 541 / 20.5 = 26.4 step/s
        assertTrue(out.contains("541/2100 | 2.0 step/s | ETA 12:59") || out.contains("541/2100 | 2.0 step/s | ETA 13:00"), out);
    }
}
