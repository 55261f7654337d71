package org.ddpm4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A 2-D convolution that never hands oneDNN fewer than {@link #MIN_FILTERS} output channels: narrower layers
 * run with zero filters appended and the extra output channels dropped, which gives the same values and the
 * same gradients. The oneDNN 3.7.1 bundled in libtorch 2.7.1 computes wrong input gradients (finite garbage
 * or NaN, varying from run to run) for 3x3 convolutions with 1 to 8 output channels on AMD EPYC CPUs with AVX-512, in its
 * AVX-512 and its AVX2 kernels alike; with 16 or more output channels every shape of {@code KernelSweepTest}
 * matches a double-precision reference. Switching oneDNN off instead costs about 5x in training speed. See
 * {@code docs/results/onednn-convolution.md}. Parameters and their names are those of {@link Conv2d}.
 */
public final class PaddedConv2d extends Conv2d {

    /** The narrowest output a convolution is run with. */
    public static final int MIN_FILTERS = 16;

    PaddedConv2d(Conv2d.Builder builder) {
        super(builder);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = includeBias ? ps.getValue(bias, x.getDevice(), training) : null;
        return new NDList(conv2d(x, w, b, stride, padding, groups));
    }

    /**
     * {@code conv2d(x, w) + b} with the output widened to at least {@link #MIN_FILTERS} channels inside.
     *
     * @param x the input, (B, C_in, H, W)
     * @param w the filters, (C_out, C_in / groups, kH, kW)
     * @param b the bias, (C_out), or null
     * @return (B, C_out, H', W'), owned by the manager of {@code x}
     */
    public static NDArray conv2d(NDArray x, NDArray w, NDArray b, Shape stride, Shape padding, int groups) {
        long filters = w.getShape().get(0);
        Shape dilation = new Shape(1, 1);
        if (filters >= MIN_FILTERS || groups != 1) {
            return Conv2d.conv2d(x, w, b, stride, padding, dilation, groups).singletonOrThrow();
        }
        long extra = MIN_FILTERS - filters;
        Shape ws = w.getShape();
        NDArray wide = w.concat(x.getManager().zeros(new Shape(extra, ws.get(1), ws.get(2), ws.get(3))), 0);
        NDArray wideBias = b == null ? null : b.concat(x.getManager().zeros(new Shape(extra)), 0);
        NDArray y = Conv2d.conv2d(x, wide, wideBias, stride, padding, dilation, 1).singletonOrThrow();
        return y.get(new NDIndex(":, :" + filters));
    }
}
