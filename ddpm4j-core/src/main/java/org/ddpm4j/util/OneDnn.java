package org.ddpm4j.util;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Keeps oneDNN (PyTorch's CPU convolutions) off its AVX-512 kernels on the CPUs where they were measured to
 * fail, and leaves it alone elsewhere. On AMD EPYC CPUs with AVX-512 (family 26, under KVM) the oneDNN 3.7.1
 * bundled in libtorch 2.7.1 returned NaN now and then in training with two threads (a tiny conditional U-Net:
 * a NaN loss within 40 steps in about one process in five; none in 16 runs with AVX2 or one thread). On an
 * Intel Xeon with AVX-512 and AMX the same kernels ({@code jit:avx512_core}) gave bit-identical losses in 40
 * of 40 processes and no wrong gradient in a 4,116-shape sweep, and train about 1.5x faster than AVX2, so
 * they stay on there. oneDNN reads {@code ONEDNN_MAX_CPU_ISA} when it creates its first kernel, so this sets
 * it in the process environment before the first network is built; the launcher applies the same rule. A
 * user's own {@code ONEDNN_MAX_CPU_ISA} (or {@code DNNL_MAX_CPU_ISA}) is kept. See
 * {@code docs/results/onednn-convolution.md}.
 */
public final class OneDnn {

    private OneDnn() {}

    private interface LibC extends Library {
        int setenv(String name, String value, int overwrite);
    }

    private static volatile boolean done;
    private static volatile String applied = "none";

    /**
     * Sets {@code ONEDNN_MAX_CPU_ISA=AVX2} for this process if the CPU is one where oneDNN's AVX-512 kernels
     * failed and nothing chose an instruction set; idempotent.
     */
    public static void avoidFaultyKernels() {
        if (done) {
            return;
        }
        synchronized (OneDnn.class) {
            if (done) {
                return;
            }
            String user = System.getenv("ONEDNN_MAX_CPU_ISA") != null ? System.getenv("ONEDNN_MAX_CPU_ISA") : System.getenv("DNNL_MAX_CPU_ISA");
            if (user != null) {
                applied = "ONEDNN_MAX_CPU_ISA=" + user + " (set by the user)";
            } else if (Platform.isLinux() && needsAvx2(cpuInfo())) {
                try {
                    Native.load(Platform.C_LIBRARY_NAME, LibC.class).setenv("ONEDNN_MAX_CPU_ISA", "AVX2", 0);
                    applied = "ONEDNN_MAX_CPU_ISA=AVX2 (AMD CPU with AVX-512)";
                } catch (Throwable e) { // JNA cannot load libc: the launcher's setting is all there is
                    applied = "ONEDNN_MAX_CPU_ISA=AVX2 wanted but not set (libc not reachable)";
                }
            }
            done = true;
        }
    }

    /** What {@link #avoidFaultyKernels()} found or did, for diagnostics: "none" when oneDNN runs unrestricted. */
    public static String setting() {
        return applied;
    }

    /**
     * Whether a CPU described by a {@code /proc/cpuinfo} text needs oneDNN limited to AVX2: an AMD CPU
     * ({@code vendor_id AuthenticAMD}) whose flags include {@code avx512f}.
     */
    public static boolean needsAvx2(String cpuinfo) {
        boolean amd = false;
        boolean avx512 = false;
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (key.equals("vendor_id")) {
                amd |= value.equals("AuthenticAMD");
            } else if (key.equals("flags")) {
                avx512 |= Arrays.asList(value.split("\\s+")).contains("avx512f");
            }
        }
        return amd && avx512;
    }

    private static String cpuInfo() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
