package org.ddpm4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The seed's denoiser: four 3x3 convolutions (C+1 -> 64 -> 128 -> 128 -> C, padding 1) with ReLU between,
 * fed the image with t/1000 broadcast as one extra input channel. 223,809 parameters for C = 1.
 *
 * <p>Inputs: x_t (B, C, H, W) and t (B,) float timesteps; output: the prediction (B, C, H, W).
 */
public final class SimpleDenoiseNet extends AbstractBlock {

    private final int channels;
    private final Conv2d[] convs;

    public SimpleDenoiseNet(int channels) {
        this.channels = channels;
        int[] filters = {64, 128, 128, channels};
        convs = new Conv2d[filters.length];
        for (int i = 0; i < filters.length; i++) {
            convs[i] = addChildBlock(
                    "conv" + i,
                    Layers.conv(filters[i], 3, 1));
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0); // (B, C, H, W)
        NDArray t = inputs.get(1); // (B,)
        long b = x.getShape().get(0);
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        // t/1000 as an extra channel: (B,) -> (B, 1, H, W)
        NDArray tEmbed = t.toType(DataType.FLOAT32, false).div(1000f).reshape(b, 1, 1, 1).broadcast(b, 1, h, w);
        NDArray y = x.concat(tEmbed, 1); // (B, C+1, H, W)
        for (int i = 0; i < convs.length; i++) {
            y = convs[i].forward(ps, new NDList(y), training).singletonOrThrow();
            if (i < convs.length - 1) {
                y = Activation.relu(y);
            }
        }
        return new NDList(y);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        Shape in = new Shape(x.get(0), channels + 1, x.get(2), x.get(3));
        for (Conv2d conv : convs) {
            conv.initialize(manager, dataType, in);
            in = conv.getOutputShapes(new Shape[] {in})[0];
        }
    }
}
