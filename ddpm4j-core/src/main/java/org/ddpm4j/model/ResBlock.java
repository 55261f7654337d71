package org.ddpm4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The DDPM residual block: GN -> SiLU -> conv3x3, plus the projected time embedding, then
 * GN -> SiLU -> dropout -> conv3x3, added to the input (through a 1x1 conv when channels change). With
 * {@code scaleShift} the embedding is projected to a scale s and a shift b per channel and the middle step
 * becomes GN(h) * (1 + s) + b -> SiLU (ADM's adaptive GroupNorm) instead of adding it before that GN.
 *
 * <p>Inputs: h (B, Cin, H, W) and the time embedding (B, E); output (B, Cout, H, W).
 */
final class ResBlock extends AbstractBlock {

    private final int in;
    private final int out;
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeProj;
    private final GroupNorm norm2;
    private final Dropout dropout;
    private final Conv2d conv2;
    private final Conv2d skip;
    private final boolean scaleShift;

    ResBlock(int in, int out, int groups, float dropoutRate, boolean scaleShift) {
        this.in = in;
        this.out = out;
        this.scaleShift = scaleShift;
        norm1 = addChildBlock("norm1", new GroupNorm(groups, in));
        conv1 = addChildBlock("conv1", Layers.conv(out, 3, 1));
        timeProj = addChildBlock("time", Layers.linear(scaleShift ? 2 * out : out));
        norm2 = addChildBlock("norm2", new GroupNorm(groups, out));
        dropout = dropoutRate > 0 ? addChildBlock("dropout", Dropout.builder().optRate(dropoutRate).build()) : null;
        conv2 = addChildBlock("conv2", Layers.conv(out, 3, 1));
        skip = in != out ? addChildBlock("skip", Layers.conv(out, 1, 1)) : null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray temb = inputs.get(1); // (B, E), already passed through SiLU by the U-Net
        NDArray h = Layers.apply(conv1, ps, norm1.forwardSilu(ps, x, training), training);
        NDArray t = Layers.apply(timeProj, ps, temb, training).reshape(-1, scaleShift ? 2 * out : out, 1, 1);
        if (scaleShift) {
            NDList ss = t.split(2, 1); // scale (B, out, 1, 1), then shift
            h = Layers.silu(Layers.apply(norm2, ps, h, training).mul(ss.get(0).add(1f)).add(ss.get(1)));
        } else {
            h = norm2.forwardSilu(ps, h.add(t), training);
        }
        if (dropout != null) {
            h = Layers.apply(dropout, ps, h, training);
        }
        h = Layers.apply(conv2, ps, h, training);
        NDArray res = skip != null ? Layers.apply(skip, ps, x, training) : x;
        return new NDList(h.add(res));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape x = inputShapes[0];
        return new Shape[] {new Shape(x.get(0), out, x.get(2), x.get(3))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        Shape e = inputShapes[1];
        Shape hOut = new Shape(x.get(0), out, x.get(2), x.get(3));
        norm1.initialize(manager, dataType, x);
        conv1.initialize(manager, dataType, x);
        timeProj.initialize(manager, dataType, e);
        norm2.initialize(manager, dataType, hOut);
        if (dropout != null) {
            dropout.initialize(manager, dataType, hOut);
        }
        conv2.initialize(manager, dataType, hOut);
        if (skip != null) {
            skip.initialize(manager, dataType, x);
        }
    }
}
