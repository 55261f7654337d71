package org.ddpm4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A 2-D convolution that hands oneDNN only channel counts its kernels handle correctly (see {@link #conv2d}):
 * at least {@link #MIN_FILTERS} output channels, and for 3x3 kernels whole blocks of 16 channels. The extra
 * channels are zeros and are dropped after the op, so values and gradients are those of the plain
 * convolution. oneDNN 3.7.1 (in libtorch 2.7.1) reads the unused part of a partly filled channel block and
 * multiplies it by zero; a NaN left in that memory by earlier data then becomes a NaN output or input
 * gradient (found on AMD EPYC with AVX-512; see {@code docs/results/onednn-convolution.md}). Parameters and
 * their names are those of {@link Conv2d}.
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

    /** oneDNN's AVX-512 kernels hold channels in blocks of this many; its AVX2 kernels in blocks of 8. */
    public static final int BLOCK = 16;

    /**
     * {@code conv2d(x, w) + b}, run with channel counts oneDNN handles correctly: at least {@link #MIN_FILTERS}
     * output channels and, for kernels larger than 1x1, a whole number of {@link #BLOCK}s of output channels
     * (zero filters appended, their outputs dropped) and of input channels above 8 (zero channels appended to
     * the input and zero weights to the filters). Same values and gradients as the plain convolution.
     *
     * <p>Why: oneDNN's blocked kernels read the padding of a partly filled channel block, which PyTorch
     * allocates without clearing, and multiply it by zero. Finite leftovers vanish; a leftover NaN or
     * infinity does not, and then an output (3x3, input channels 24: forward) or an input gradient (3x3,
     * output channels 24 or 40: backward) is NaN. With every new allocation filled with NaN bytes the
     * forward pass of such a layer is NaN every time; widened, never ({@code docs/results/onednn-convolution.md}).
     *
     * @param x the input, (B, C_in, H, W)
     * @param w the filters, (C_out, C_in / groups, kH, kW)
     * @param b the bias, (C_out), or null
     * @return (B, C_out, H', W'), owned by the manager of {@code x}
     */
    public static NDArray conv2d(NDArray x, NDArray w, NDArray b, Shape stride, Shape padding, int groups) {
        Shape ws = w.getShape();
        long filters = ws.get(0);
        long inputs = ws.get(1);
        boolean spatial = ws.get(2) * ws.get(3) > 1;
        long wideOut = filters < MIN_FILTERS ? MIN_FILTERS : spatial ? roundUp(filters) : filters;
        long wideIn = spatial && inputs > 8 ? roundUp(inputs) : inputs;
        Shape dilation = new Shape(1, 1);
        if (groups != 1 || (wideOut == filters && wideIn == inputs)) {
            return Conv2d.conv2d(x, w, b, stride, padding, dilation, groups).singletonOrThrow();
        }
        NDManager m = x.getManager();
        NDArray wide = w;
        NDArray in = x;
        if (wideIn > inputs) {
            Shape xs = x.getShape();
            wide = wide.concat(m.zeros(new Shape(filters, wideIn - inputs, ws.get(2), ws.get(3))), 1);
            in = x.concat(m.zeros(new Shape(xs.get(0), wideIn - inputs, xs.get(2), xs.get(3))), 1);
        }
        NDArray wideBias = b;
        if (wideOut > filters) {
            wide = wide.concat(m.zeros(new Shape(wideOut - filters, wideIn, ws.get(2), ws.get(3))), 0);
            wideBias = b == null ? null : b.concat(m.zeros(new Shape(wideOut - filters)), 0);
        }
        NDArray y = Conv2d.conv2d(in, wide, wideBias, stride, padding, dilation, 1).singletonOrThrow();
        return wideOut > filters ? y.get(new NDIndex(":, :" + filters)) : y;
    }

    private static long roundUp(long channels) {
        return (channels + BLOCK - 1) / BLOCK * BLOCK;
    }
}
