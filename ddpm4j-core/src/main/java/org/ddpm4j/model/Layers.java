package org.ddpm4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/** Small helpers shared by the U-Net blocks. */
public final class Layers {

    private Layers() {}

    /** A k x k convolution with "same" padding, run through {@link PaddedConv2d} (see there why). */
    public static Conv2d conv(int filters, int kernel, int stride) {
        return new PaddedConv2d(Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .optStride(new Shape(stride, stride))
                .setFilters(filters));
    }

    static Linear linear(int units) {
        return Linear.builder().setUnits(units).build();
    }

    /** SiLU, x * sigmoid(x): PyTorch's one fused kernel when {@link NativeOps} is available, else a sigmoid and a multiply. */
    static NDArray silu(NDArray x) {
        return NativeOps.available() ? NativeOps.silu(x) : x.mul(ai.djl.nn.Activation.sigmoid(x));
    }

    /** Runs a single-input, single-output block. */
    public static NDArray apply(Block block, ParameterStore ps, NDArray x, boolean training) {
        return block.forward(ps, new NDList(x), training).singletonOrThrow();
    }
}
