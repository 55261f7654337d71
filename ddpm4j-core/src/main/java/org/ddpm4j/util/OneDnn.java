package org.ddpm4j.util;

/**
 * Records which instruction set oneDNN (PyTorch's CPU convolutions) runs with. Earlier builds limited it to AVX2
 * on AMD EPYC CPUs with AVX-512, where training gave a NaN loss now and then. The cause was found on such a
 * CPU: oneDNN's blocked kernels read the unused part of a partly filled block of 16 channels, which PyTorch
 * allocates without clearing, and multiply it by zero, so a NaN or infinity left there by earlier data
 * survives. {@link org.ddpm4j.model.PaddedConv2d} now runs every convolution with whole blocks of channels,
 * so oneDNN keeps its own choice (AVX-512, about 1.5x faster than AVX2 there) on every CPU. A user's own
 * {@code ONEDNN_MAX_CPU_ISA} (or {@code DNNL_MAX_CPU_ISA}) is kept. See {@code docs/results/onednn-convolution.md}.
 */
public final class OneDnn {

    private OneDnn() {}

    private static volatile String applied;

    /** Notes the instruction set the user chose, if any, before the first network is built; idempotent. */
    public static void avoidFaultyKernels() {
        if (applied != null) {
            return;
        }
        String user = System.getenv("ONEDNN_MAX_CPU_ISA") != null ? System.getenv("ONEDNN_MAX_CPU_ISA") : System.getenv("DNNL_MAX_CPU_ISA");
        applied = user != null ? "ONEDNN_MAX_CPU_ISA=" + user + " (set by the user)" : "none";
    }

    /** What {@link #avoidFaultyKernels()} found or did, for diagnostics: "none" when oneDNN runs unrestricted. */
    public static String setting() {
        avoidFaultyKernels();
        return applied;
    }
}
