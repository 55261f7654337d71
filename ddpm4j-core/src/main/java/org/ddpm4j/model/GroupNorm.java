package org.ddpm4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.HashMap;
import java.util.Map;

/**
 * Group normalisation (Wu and He, arXiv 1803.08494): y = (x - mean_g) / sqrt(var_g + eps) * gamma_c + beta_c,
 * with mean and (biased) variance over each group of C/G channels and all pixels. DJL has no GroupNorm, so
 * this reshapes (B, C, H, W) to (B, G, C/G*H*W), runs the native layer-norm kernel over the last axis and
 * applies the per-channel affine after reshaping back: one fused kernel instead of several mean/var ops.
 */
public final class GroupNorm extends AbstractBlock {

    private final int groups;
    private final float eps;
    private final Parameter gamma;
    private final Parameter beta;
    private final Map<Long, NDArray[]> unitAffine = new HashMap<>();

    public GroupNorm(int groups, int channels) {
        this(groups, channels, 1e-5f);
    }

    public GroupNorm(int groups, int channels, float eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(channels + " channels do not split into " + groups + " groups");
        }
        this.groups = groups;
        this.eps = eps;
        gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.GAMMA).optShape(new Shape(channels)).build());
        beta = addParameter(Parameter.builder().setName("beta").setType(Parameter.Type.BETA).optShape(new Shape(channels)).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(normalise(ps, inputs.singletonOrThrow(), training, false));
    }

    /**
     * {@code silu(groupNorm(x))}, the pair that starts every residual block, in one native call when
     * {@link NativeOps} is available.
     */
    public NDArray forwardSilu(ParameterStore ps, NDArray x, boolean training) {
        return normalise(ps, x, training, true);
    }

    private NDArray normalise(ParameterStore ps, NDArray x, boolean training, boolean silu) {
        if (NativeOps.available()) {
            NDArray g = ps.getValue(gamma, x.getDevice(), training);
            NDArray bt = ps.getValue(beta, x.getDevice(), training);
            return silu ? NativeOps.groupNormSilu(x, groups, g, bt, eps) : NativeOps.groupNorm(x, groups, g, bt, eps);
        }
        NDArray y = composed(ps, x, training);
        return silu ? Layers.silu(y) : y;
    }

    /** The layer-norm kernel over (B, G, C/G*H*W), then the per-channel affine: DJL's own ops only. */
    private NDArray composed(ParameterStore ps, NDArray x, boolean training) {
        // x: (B, C, H, W)
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long k = s.size() / (b * groups);
        NDArray[] unit = unit(k, x.getManager());
        NDArray y = LayerNorm.layerNorm(x.reshape(b, groups, k), new Shape(k), unit[0], unit[1], eps).singletonOrThrow();
        NDArray g = ps.getValue(gamma, x.getDevice(), training).reshape(1, c, 1, 1);
        NDArray bt = ps.getValue(beta, x.getDevice(), training).reshape(1, c, 1, 1);
        return y.reshape(s).mul(g).add(bt);
    }

    /** Constant ones/zeros of length k for the native kernel's own affine step (cached, kept out of scopes). */
    private synchronized NDArray[] unit(long k, NDManager any) {
        return unitAffine.computeIfAbsent(k, kk -> {
            NDManager m = gamma.getArray().getManager();
            NDArray one = m.ones(new Shape(kk));
            NDArray zero = m.zeros(new Shape(kk));
            NDScope.unregister(one, zero);
            return new NDArray[] {one, zero};
        });
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // no children
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        // parameter shapes are fixed at construction
    }
}
