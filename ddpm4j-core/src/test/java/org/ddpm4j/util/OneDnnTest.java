package org.ddpm4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Which CPUs get oneDNN limited to AVX2, and that the test JVM runs under the same rule as users. */
class OneDnnTest {

    private static final String AMD_ZEN5 = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            cpu family\t: 26
            model\t\t: 2
            model name\t: AMD EPYC Processor
            flags\t\t: fpu vme sse sse2 avx avx2 fma avx512f avx512dq avx512bw avx512vl avx512_bf16 avx512_vnni
            """;
    private static final String AMD_ZEN3 = """
            vendor_id\t: AuthenticAMD
            cpu family\t: 25
            flags\t\t: fpu sse sse2 avx avx2 fma
            """;
    private static final String INTEL_AMX = """
            vendor_id\t: GenuineIntel
            cpu family\t: 6
            model\t\t: 167
            flags\t\t: fpu sse avx avx2 fma avx512f avx512dq avx512bw avx512vl avx512_bf16 amx_bf16 amx_tile
            """;

    @Test
    void onlyAmdCpusWithAvx512AreLimited() {
        assertTrue(OneDnn.needsAvx2(AMD_ZEN5));
        assertFalse(OneDnn.needsAvx2(AMD_ZEN3), "no AVX-512: nothing to avoid");
        assertFalse(OneDnn.needsAvx2(INTEL_AMX));
        assertFalse(OneDnn.needsAvx2(""), "unknown CPU: oneDNN's own choice");
        assertFalse(OneDnn.needsAvx2("flags : avx512fake\nvendor_id : AuthenticAMD"), "a flag is matched whole");
    }

    @Test
    void theTestRunAppliesTheRuleUsersGet() throws Exception {
        OneDnn.avoidFaultyKernels();
        String user = System.getenv("ONEDNN_MAX_CPU_ISA");
        if (user != null) {
            assertEquals("ONEDNN_MAX_CPU_ISA=" + user + " (set by the user)", OneDnn.setting());
        } else if (OneDnn.needsAvx2(Files.readString(Path.of("/proc/cpuinfo")))) {
            assertEquals("ONEDNN_MAX_CPU_ISA=AVX2 (AMD CPU with AVX-512)", OneDnn.setting());
        } else {
            assertEquals("none", OneDnn.setting());
        }
    }
}
