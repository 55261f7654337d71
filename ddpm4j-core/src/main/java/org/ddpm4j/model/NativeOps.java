package org.ddpm4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * PyTorch kernels that DJL's API does not reach: {@code aten::silu} and {@code aten::group_norm}, each one fused
 * kernel forward and one backward where DJL composes SiLU from a sigmoid and a multiply and GroupNorm from the
 * layer-norm kernel, a multiply and an add. They are called through a small TorchScript module in the jar
 * ({@code native-ops.pt}, written by {@code tools/native_ops.py}; it holds no weights), run under the calling
 * thread's grad mode, so autograd records them like any other op.
 *
 * <p>DJL's public {@code IValueUtils.runMethod} always switches autograd off, so the call goes to the same JNI
 * entry with its training flag set, found by reflection once. If the module or that entry cannot be reached,
 * {@link #available()} is false and the callers keep their composed ops, which compute the same values
 * ({@code NativeOpsTest}). The system property {@code ddpm4j.nativeOps=false} chooses the composed ops too.
 */
public final class NativeOps {

    private static final String RESOURCE = "native-ops.pt";
    private static volatile boolean enabled = !"false".equals(System.getProperty("ddpm4j.nativeOps"));
    private static volatile Module module;
    private static volatile String failure;

    private NativeOps() {}

    private record Module(PtSymbolBlock block, Object lib, MethodHandle run, MethodHandle ivalue) {}

    /** True when the fused kernels are in use: enabled, and the module loaded. */
    public static boolean available() {
        return enabled && module() != null;
    }

    /** Switches the fused kernels on or off for the whole process (benchmarks compare the two). */
    public static void setEnabled(boolean on) {
        enabled = on;
    }

    /** Why the module could not be used, or null. */
    public static String failure() {
        module();
        return failure;
    }

    /** {@code x * sigmoid(x)} in one kernel. Call only when {@link #available()}. */
    static NDArray silu(NDArray x) {
        return call("silu", x, IValue.from((PtNDArray) x));
    }

    /** torch.nn.functional.group_norm: (B, C, ...) normalised over C/groups channels and all pixels, then gamma, beta. */
    static NDArray groupNorm(NDArray x, int groups, NDArray gamma, NDArray beta, float eps) {
        return call("group_norm", x, IValue.from((PtNDArray) x), IValue.from((long) groups),
                IValue.from((PtNDArray) gamma), IValue.from((PtNDArray) beta), IValue.from((double) eps));
    }

    /** {@code silu(groupNorm(...))}, one call for the pair every residual block starts with. */
    static NDArray groupNormSilu(NDArray x, int groups, NDArray gamma, NDArray beta, float eps) {
        return call("group_norm_silu", x, IValue.from((PtNDArray) x), IValue.from((long) groups),
                IValue.from((PtNDArray) gamma), IValue.from((PtNDArray) beta), IValue.from((double) eps));
    }

    private static NDArray call(String method, NDArray like, IValue... args) {
        Module m = module();
        long[] handles = new long[args.length];
        for (int i = 0; i < args.length; i++) {
            handles[i] = args[i].getHandle();
        }
        IValue out = null;
        try {
            // training flag true: the JNI entry then runs under this thread's grad mode instead of switching it off
            long result = (long) m.run().invoke(m.lib(), (long) m.block().getHandle(), method, handles, true, false);
            out = (IValue) m.ivalue().invoke(result);
            return out.toTensor((PtNDManager) like.getManager());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native op " + method + " failed: " + t, t);
        } finally {
            for (IValue a : args) {
                a.close();
            }
            if (out != null) {
                out.close();
            }
        }
    }

    private static Module module() {
        Module m = module;
        if (m != null || failure != null) {
            return m;
        }
        synchronized (NativeOps.class) {
            if (module == null && failure == null) {
                try {
                    module = load();
                } catch (Exception | LinkageError e) {
                    failure = e.toString();
                }
            }
            return module;
        }
    }

    private static Module load() throws Exception {
        ai.djl.engine.Engine.getInstance(); // loads the native library
        Class<?> libClass = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
        MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(libClass, MethodHandles.lookup());
        Object lib = lookup.findStaticVarHandle(libClass, "LIB", libClass).get();
        MethodHandle run = lookup.findVirtual(libClass, "moduleRunMethod",
                MethodType.methodType(long.class, long.class, String.class, long[].class, boolean.class, boolean.class));
        MethodHandle ivalue = MethodHandles.privateLookupIn(IValue.class, MethodHandles.lookup())
                .findConstructor(IValue.class, MethodType.methodType(void.class, long.class));
        // the module's own manager lives as long as the process, outside every scope
        PtNDManager manager = (PtNDManager) ai.djl.ndarray.NDManager.newBaseManager();
        try (InputStream in = NativeOps.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not in the jar");
            }
            PtSymbolBlock block = JniUtils.loadModule(manager, in, false, false);
            return new Module(block, lib, run, ivalue);
        }
    }
}
