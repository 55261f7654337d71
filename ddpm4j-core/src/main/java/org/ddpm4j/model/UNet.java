package org.ddpm4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.util.Tensors;

/**
 * The DDPM U-Net (Ho et al. 2020, appendix B; lucidrains/denoising-diffusion-pytorch): a sinusoidal time
 * embedding and MLP, residual blocks with GroupNorm and SiLU that add the time embedding, strided-conv
 * down-sampling and nearest-neighbour up-sampling with skip connections, and self-attention at the chosen
 * (lowest) resolutions.
 *
 * <p>Inputs: x_t (B, C, H, W) and t (B,) float timesteps; output (B, C, H, W).
 */
public final class UNet extends AbstractBlock {

    private final UNetConfig cfg;
    private final int channels;
    private final int timeDim;
    private final Conv2d inConv;
    private final Linear time1;
    private final Linear time2;
    private final List<Block> down = new ArrayList<>(); // ResBlock, SelfAttention or Conv2d (downsample), in order
    private final List<Block> up = new ArrayList<>(); // ResBlock, SelfAttention or Conv2d (after upsample), in order
    private final ResBlock mid1;
    private final SelfAttention midAttn;
    private final ResBlock mid2;
    private final GroupNorm outNorm;
    private final Conv2d outConv;
    private final int classes;
    private final Parameter classEmbedding; // (classes + 1, timeDim); the last row is "no class"

    public UNet(int channels, UNetConfig cfg) {
        this(channels, cfg, 0);
    }

    /** A U-Net; with {@code classes > 0} a learned class embedding joins the time embedding. */
    public UNet(int channels, UNetConfig cfg, int classes) {
        this.cfg = cfg;
        this.channels = channels;
        this.classes = classes;
        int base = cfg.baseChannels();
        timeDim = 4 * base;
        classEmbedding = classes > 0 ? addParameter(Parameter.builder().setName("class_embedding").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(classes + 1, timeDim)).build()) : null;
        inConv = addChildBlock("in", Layers.conv(base, 3, 1));
        time1 = addChildBlock("time1", Layers.linear(timeDim));
        time2 = addChildBlock("time2", Layers.linear(timeDim));
        int levels = cfg.channelMults().length;
        List<Integer> skipChannels = new ArrayList<>();
        skipChannels.add(base);
        int ch = base;
        for (int i = 0; i < levels; i++) {
            int out = base * cfg.channelMults()[i];
            for (int j = 0; j < cfg.blocksPerLevel(); j++) {
                down.add(addChildBlock("down" + i + "_res" + j, new ResBlock(ch, out, cfg.groups(), cfg.dropout(), cfg.scaleShift())));
                ch = out;
                if (cfg.hasAttention(i)) {
                    down.add(addChildBlock("down" + i + "_attn" + j, new SelfAttention(ch, cfg.heads(), cfg.groups())));
                }
                skipChannels.add(ch);
            }
            if (i < levels - 1) {
                down.add(addChildBlock("down" + i + "_sample", Layers.conv(ch, 3, 2)));
                skipChannels.add(ch);
            }
        }
        mid1 = addChildBlock("mid1", new ResBlock(ch, ch, cfg.groups(), cfg.dropout(), cfg.scaleShift()));
        midAttn = addChildBlock("mid_attn", new SelfAttention(ch, cfg.heads(), cfg.groups()));
        mid2 = addChildBlock("mid2", new ResBlock(ch, ch, cfg.groups(), cfg.dropout(), cfg.scaleShift()));
        for (int i = levels - 1; i >= 0; i--) {
            int out = base * cfg.channelMults()[i];
            for (int j = 0; j <= cfg.blocksPerLevel(); j++) {
                int skip = skipChannels.remove(skipChannels.size() - 1);
                up.add(addChildBlock("up" + i + "_res" + j, new ResBlock(ch + skip, out, cfg.groups(), cfg.dropout(), cfg.scaleShift())));
                ch = out;
                if (cfg.hasAttention(i)) {
                    up.add(addChildBlock("up" + i + "_attn" + j, new SelfAttention(ch, cfg.heads(), cfg.groups())));
                }
            }
            if (i > 0) {
                up.add(addChildBlock("up" + i + "_sample", Layers.conv(ch, 3, 1)));
            }
        }
        outNorm = addChildBlock("out_norm", new GroupNorm(cfg.groups(), ch));
        outConv = addChildBlock("out", Layers.conv(channels, 3, 1));
    }

    /** Sinusoidal features of the timesteps (Transformer positional encoding, as in DDPM): (B, dim). */
    static float[] timestepFeatures(float[] t, int dim) {
        int half = dim / 2;
        float[] out = new float[t.length * dim];
        for (int b = 0; b < t.length; b++) {
            for (int i = 0; i < half; i++) {
                double freq = Math.exp(-Math.log(10000.0) * i / (half - 1));
                double a = t[b] * freq;
                out[b * dim + i] = (float) Math.sin(a);
                out[b * dim + half + i] = (float) Math.cos(a);
            }
        }
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0); // (B, C, H, W)
        NDArray t = inputs.get(1); // (B,)
        NDManager m = x.getManager();
        int b = (int) x.getShape().get(0);
        NDArray feat = Tensors.fromJava(m, timestepFeatures(t.toFloatArray(), cfg.baseChannels()), new Shape(b, cfg.baseChannels()));
        NDArray temb = Layers.apply(time2, ps, Layers.silu(Layers.apply(time1, ps, feat, training)), training);
        if (classEmbedding != null) {
            // one-hot (B, K+1) x table (K+1, E): label -1 selects the "no class" row
            float[] labels = inputs.get(2).toFloatArray();
            float[] onehot = new float[b * (classes + 1)];
            for (int i = 0; i < b; i++) {
                int c = (int) labels[i];
                onehot[i * (classes + 1) + (c < 0 || c >= classes ? classes : c)] = 1;
            }
            NDArray table = ps.getValue(classEmbedding, x.getDevice(), training);
            temb = temb.add(Tensors.fromJava(m, onehot, new Shape(b, classes + 1)).matMul(table));
        }
        temb = Layers.silu(temb); // (B, 4*base), shared by every ResBlock's projection

        NDArray h = Layers.apply(inConv, ps, x, training);
        List<NDArray> skips = new ArrayList<>();
        skips.add(h);
        for (Block blk : down) {
            h = run(blk, ps, h, temb, training);
            if (!(blk instanceof SelfAttention)) {
                skips.add(h);
            } else {
                skips.set(skips.size() - 1, h); // attention refines the block output that is kept as a skip
            }
        }
        h = run(mid1, ps, h, temb, training);
        h = run(midAttn, ps, h, temb, training);
        h = run(mid2, ps, h, temb, training);
        for (Block blk : up) {
            if (blk instanceof ResBlock) {
                h = h.concat(skips.remove(skips.size() - 1), 1);
            } else if (blk instanceof Conv2d) {
                h = upsample2x(h);
            }
            h = run(blk, ps, h, temb, training);
        }
        h = outNorm.forwardSilu(ps, h, training);
        return new NDList(Layers.apply(outConv, ps, h, training));
    }

    /**
     * Runs one block in its own {@link NDScope}: the block's intermediate tensors are freed as soon as it
     * returns instead of living until the end of the whole step (DJL frees nothing earlier), so a step's
     * peak memory is the skips plus one block, not every intermediate of the network. Autograd keeps its
     * own references to what the backward pass needs. The output is handed to the enclosing scope.
     */
    private static NDArray run(Block blk, ParameterStore ps, NDArray h, NDArray temb, boolean training) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            out = blk instanceof ResBlock ? blk.forward(ps, new NDList(h, temb), training).singletonOrThrow()
                    : Layers.apply(blk, ps, h, training);
            NDScope.unregister(out);
        }
        NDScope.register(out);
        return out;
    }

    /** Nearest-neighbour 2x up-sampling: (B, C, H, W) -> (B, C, 2H, 2W). */
    static NDArray upsample2x(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        return x.reshape(b, c, h, 1, w, 1).broadcast(b, c, h, 2, w, 2).reshape(b, c, 2 * h, 2 * w);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        long b = x.get(0);
        long size = x.get(2);
        Shape temb = new Shape(b, timeDim);
        inConv.initialize(manager, dataType, x);
        time1.initialize(manager, dataType, new Shape(b, cfg.baseChannels()));
        time2.initialize(manager, dataType, temb);
        int base = cfg.baseChannels();
        List<Long> skipCh = new ArrayList<>();
        skipCh.add((long) base);
        long ch = base;
        for (Block blk : down) {
            Shape in = new Shape(b, ch, size, size);
            if (blk instanceof ResBlock) {
                blk.initialize(manager, dataType, in, temb);
                ch = blk.getOutputShapes(new Shape[] {in, temb})[0].get(1);
                skipCh.add(ch);
            } else if (blk instanceof SelfAttention) {
                blk.initialize(manager, dataType, in);
            } else {
                blk.initialize(manager, dataType, in);
                size = (size + 1) / 2;
                skipCh.add(ch);
            }
        }
        Shape lowest = new Shape(b, ch, size, size);
        mid1.initialize(manager, dataType, lowest, temb);
        midAttn.initialize(manager, dataType, lowest);
        mid2.initialize(manager, dataType, lowest, temb);
        for (Block blk : up) {
            if (blk instanceof ResBlock) {
                long skip = skipCh.remove(skipCh.size() - 1);
                Shape in = new Shape(b, ch + skip, size, size);
                blk.initialize(manager, dataType, in, temb);
                ch = blk.getOutputShapes(new Shape[] {in, temb})[0].get(1);
            } else if (blk instanceof SelfAttention) {
                blk.initialize(manager, dataType, new Shape(b, ch, size, size));
            } else {
                size *= 2;
                blk.initialize(manager, dataType, new Shape(b, ch, size, size));
            }
        }
        Shape out = new Shape(b, ch, size, size);
        outNorm.initialize(manager, dataType, out);
        outConv.initialize(manager, dataType, out);
    }
}
