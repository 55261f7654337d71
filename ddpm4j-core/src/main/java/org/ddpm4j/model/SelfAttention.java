package org.ddpm4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.ddpm4j.util.Tensors;

/**
 * Multi-head self-attention over the pixels of a feature map, with a residual connection:
 * x + proj(softmax(Q K^T / sqrt(d)) V), Q, K, V from a 1x1 conv of GroupNorm(x). Used at the lowest
 * resolutions of the U-Net (7x7 for MNIST: 49 tokens).
 */
final class SelfAttention extends AbstractBlock {

    private final int channels;
    private final int heads;
    private final GroupNorm norm;
    private final Conv2d qkv;
    private final Conv2d proj;

    SelfAttention(int channels, int heads, int groups) {
        if (channels % heads != 0) {
            throw new IllegalArgumentException(channels + " channels do not split into " + heads + " heads");
        }
        this.channels = channels;
        this.heads = heads;
        norm = addChildBlock("norm", new GroupNorm(groups, channels));
        qkv = addChildBlock("qkv", Layers.conv(3 * channels, 1, 1));
        proj = addChildBlock("proj", Layers.conv(channels, 1, 1));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow(); // (B, C, H, W)
        Shape s = x.getShape();
        long b = s.get(0);
        long n = s.get(2) * s.get(3);
        long d = channels / heads;
        NDArray qkvOut = Layers.apply(qkv, ps, Layers.apply(norm, ps, x, training), training)
                .reshape(b, 3, heads, d, n); // (B, 3, heads, d, N)
        NDArray q = qkvOut.get(":,0").transpose(0, 1, 3, 2); // (B, heads, N, d)
        NDArray k = qkvOut.get(":,1"); // (B, heads, d, N)
        NDArray v = qkvOut.get(":,2").transpose(0, 1, 3, 2); // (B, heads, N, d)
        NDArray attn = Tensors.scale(q.matMul(k), (float) (1.0 / Math.sqrt(d))).softmax(-1); // (B, heads, N, N)
        NDArray o = attn.matMul(v).transpose(0, 1, 3, 2).reshape(b, channels, s.get(2), s.get(3));
        return new NDList(x.add(Layers.apply(proj, ps, o, training)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        norm.initialize(manager, dataType, x);
        qkv.initialize(manager, dataType, x);
        proj.initialize(manager, dataType, x);
    }
}
