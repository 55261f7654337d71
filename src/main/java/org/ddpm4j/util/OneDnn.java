package org.ddpm4j.util;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Limits oneDNN (PyTorch's CPU convolutions) to its AVX2 kernels unless the user has chosen an instruction
 * set. On AMD EPYC CPUs with AVX-512 the AVX-512 kernels of the oneDNN 3.7.1 bundled in libtorch 2.7.1
 * return NaN now and then in training with two threads (a tiny conditional U-Net: a NaN loss within 40
 * steps in about one run in five; none in 16 runs with AVX2 or one thread). oneDNN reads
 * {@code ONEDNN_MAX_CPU_ISA} when it creates its first kernel, so this sets it in the process environment
 * before the first network is built; the launcher and the test runner set it too. A user's own
 * {@code ONEDNN_MAX_CPU_ISA} (or {@code DNNL_MAX_CPU_ISA}) is kept. See {@code docs/results/onednn-convolution.md}.
 */
public final class OneDnn {

    private OneDnn() {}

    private interface LibC extends Library {
        int setenv(String name, String value, int overwrite);
    }

    private static volatile boolean done;

    /** Sets {@code ONEDNN_MAX_CPU_ISA=AVX2} for this process if nothing chose an instruction set; idempotent. */
    public static void limitToAvx2() {
        if (done) {
            return;
        }
        synchronized (OneDnn.class) {
            if (!done && System.getenv("ONEDNN_MAX_CPU_ISA") == null && System.getenv("DNNL_MAX_CPU_ISA") == null
                    && Platform.isLinux()) {
                try {
                    Native.load(Platform.C_LIBRARY_NAME, LibC.class).setenv("ONEDNN_MAX_CPU_ISA", "AVX2", 0);
                } catch (Throwable e) { // JNA cannot load libc: the launcher's setting is all there is
                }
            }
            done = true;
        }
    }
}
