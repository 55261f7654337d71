package org.ddpm4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** oneDNN runs with its own choice of instruction set unless the user chose one. */
class OneDnnTest {

    @Test
    void theTestRunAppliesTheRuleUsersGet() {
        OneDnn.avoidFaultyKernels();
        String user = System.getenv("ONEDNN_MAX_CPU_ISA");
        if (user != null) {
            assertEquals("ONEDNN_MAX_CPU_ISA=" + user + " (set by the user)", OneDnn.setting());
        } else {
            assertEquals("none", OneDnn.setting());
        }
    }
}
