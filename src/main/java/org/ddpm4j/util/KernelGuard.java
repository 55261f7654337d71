package org.ddpm4j.util;

import ai.djl.engine.Engine;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps PyTorch's convolutions off oneDNN (the {@code torch.backends.mkldnn.enabled = False} switch), because
 * the oneDNN 3.7.1 bundled in libtorch 2.7.1 computes wrong input gradients (finite garbage or NaN, varying
 * from run to run) for 3x3 convolutions with few output channels, on this project's AMD EPYC machines with
 * AVX-512, in both its AVX-512 and its AVX2 kernels. PyTorch's own convolution then runs instead (NNPACK, which
 * refuses these CPUs anyway, is switched off with it), and every
 * shape of the sweep in {@code KernelSweepTest} matches a double-precision reference. The minimal
 * reproduction and the speed measurements are in {@code docs/results/onednn-convolution.md}.
 *
 * <p>Applied once per process, before the first network or classifier is built ({@code Denoiser.create},
 * {@code Classifier}), so a Java program that uses the library gets it too. Setting the system property
 * {@code ddpm4j.onednn=true} keeps oneDNN on (only for measurements).
 */
public final class KernelGuard {

    private KernelGuard() {}

    private static volatile Boolean oneDnnOff;

    /** Turns oneDNN convolutions off for this process unless {@code -Dddpm4j.onednn=true}; idempotent. */
    public static void apply() {
        if (oneDnnOff != null) {
            return;
        }
        synchronized (KernelGuard.class) {
            if (oneDnnOff == null) {
                oneDnnOff = !"true".equals(System.getProperty("ddpm4j.onednn")) && setOneDnn(false);
            }
        }
    }

    /** True when this process runs convolutions without oneDNN. */
    public static boolean oneDnnConvolutionsOff() {
        apply();
        return oneDnnOff;
    }

    /** Calls {@code at::globalContext().setUserEnabledMkldnn(on)} in the loaded libtorch; false if impossible. */
    private static boolean setOneDnn(boolean on) {
        try {
            Engine.getInstance(); // loads libtorch
            Path lib = Path.of(ai.djl.pytorch.jni.LibUtils.getLibtorchPath(), "libtorch_cpu.so");
            if (!Files.exists(lib)) {
                return false;
            }
            NativeLibrary torch = NativeLibrary.getInstance(lib.toString());
            Pointer context = torch.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
            torch.getFunction("_ZN2at7Context20setUserEnabledMkldnnEb").invokeVoid(new Object[] {context, on});
            // the next candidate, NNPACK, refuses these CPUs with a warning per thread ("Unsupported hardware")
            torch.getFunction("_ZN2at7Context20setUserEnabledNNPACKEb").invokeVoid(new Object[] {context, on});
            Function enabled = torch.getFunction("_ZNK2at7Context17userEnabledMkldnnEv");
            return ((enabled.invokeInt(new Object[] {context}) & 0xff) != 0) == on;
        } catch (RuntimeException | LinkageError e) { // another engine build or platform: leave it as it is
            return false;
        }
    }
}
