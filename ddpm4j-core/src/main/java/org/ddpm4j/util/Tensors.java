package org.ddpm4j.util;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * The only ways ddpm4j moves Java data into tensors.
 *
 * <p>DJL's PyTorch engine does not copy Java data into memory PyTorch owns: {@code NDManager.create(float[])}
 * and {@code NDArray.set(float[])} point the tensor's storage at a direct {@code ByteBuffer} (torch::from_blob,
 * no deleter) that only the Java wrapper's reference keeps alive. Once that wrapper is closed, the buffer is
 * freed at the next GC, while any native tensor still sharing the storage (a view, a tensor saved by autograd,
 * a gradient) reads freed memory. The helpers below copy into tensors PyTorch allocated itself and drop the
 * Java-backed temporary at once, so no tensor ever depends on a Java buffer. {@link #scale} does the same
 * for the scalar of a multiplication.
 */
public final class Tensors {

    private Tensors() {}

    /** A new tensor of {@code shape} in {@code manager} holding a copy of {@code data}, in native-owned memory. */
    public static NDArray fromJava(NDManager manager, float[] data, Shape shape) {
        try (NDArray javaBacked = manager.create(data, shape)) {
            return javaBacked.duplicate();
        }
    }

    /** A new 1-D tensor holding a copy of {@code data}, in native-owned memory. */
    public static NDArray fromJava(NDManager manager, float[] data) {
        return fromJava(manager, data, new Shape(data.length));
    }

    /** Overwrites every element of {@code target} with {@code data} by a native copy; its storage stays its own. */
    public static void copyInto(NDArray target, float[] data) {
        if (data.length != target.size()) {
            throw new IllegalArgumentException(data.length + " values for a tensor of shape " + target.getShape());
        }
        // a weight write is never part of a graph: like torch.no_grad(), on whatever thread (grad mode is per thread);
        // target exists, so the engine and its native library are loaded
        withoutGrad(() -> {
            try (NDArray src = fromJava(target.getManager(), data, target.getShape())) {
                target.set(new NDIndex(":"), src);
            }
            return null;
        });
    }

    /**
     * Runs {@code body} with autograd off on the calling thread, like {@code torch.no_grad()}, and restores the
     * thread's grad mode after it, also when it throws. The engine must be loaded (any live tensor proves it).
     */
    public static <T> T withoutGrad(java.util.function.Supplier<T> body) {
        boolean grad = ai.djl.pytorch.jni.JniUtils.isGradMode();
        if (grad) {
            ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        }
        try {
            return body.get();
        } finally {
            if (grad) {
                ai.djl.pytorch.jni.JniUtils.setGradMode(true);
            }
        }
    }

    /**
     * {@code x * v} with the scalar held in PyTorch-owned memory. DJL's {@code NDArray.mul(Number)} wraps the
     * scalar in a Java-backed tensor and closes it right after the op; when {@code x} carries gradients,
     * autograd keeps that scalar for the backward pass, which then reads a freed Java buffer. Use this for
     * every scaling inside a network's forward pass.
     */
    public static NDArray scale(NDArray x, float v) {
        return x.mul(fromJava(x.getManager(), new float[] {v}, new Shape()));
    }

    /**
     * Turns autograd off for the calling thread before inference. PyTorch's grad mode is per thread and DJL
     * turns it off only on the thread that loaded the engine: on any other thread (the web studio's worker)
     * every forward pass would record a graph, costing memory, and fail on in-place operations.
     */
    public static void inferenceOnThisThread() {
        ai.djl.engine.Engine.getInstance(); // loads the native library if nothing has yet
        if (ai.djl.pytorch.jni.JniUtils.isGradMode()) {
            ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        }
    }
}
