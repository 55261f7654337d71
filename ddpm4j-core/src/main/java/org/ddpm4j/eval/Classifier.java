package org.ddpm4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.model.Layers;

/**
 * The CNN behind {@code ./ddpm eval}: stages of 3x3 conv layers with ReLU, each stage ending in 2x2
 * max-pooling, then two linear layers. Its penultimate layer (128 features, after ReLU) is the feature space
 * of the domain FID; its logits give the class accuracy. {@link Meter} fixes the stages: meter 2 has two
 * stages of one conv (16, 32 filters), meter 3 two stages of two (32, 64). Works at any image size >= 4 and
 * 1 or 3 channels.
 *
 * <p>Input: NDList(images (B, C, H, W)[, dropout mask (B, 128) while training]). Output: NDList(logits (B, K),
 * features (B, 128)).
 */
public final class Classifier extends AbstractBlock {

    public static final int FEATURES = 128;

    private final int[] widths;
    private final int convsPerStage;
    private final List<Conv2d> convs = new ArrayList<>();
    private final Linear fc1;
    private final Linear fc2;

    /** Meter 2's classifier. */
    public Classifier(int classes) {
        this(classes, Meter.V2);
    }

    public Classifier(int classes, Meter meter) {
        org.ddpm4j.util.OneDnn.avoidFaultyKernels(); // before the first convolution: see OneDnn
        this.widths = meter.widths();
        this.convsPerStage = meter.convsPerStage();
        for (int w : widths) {
            for (int i = 0; i < convsPerStage; i++) {
                convs.add(addChildBlock("c" + (convs.size() + 1), conv(w)));
            }
        }
        fc1 = addChildBlock("fc1", Linear.builder().setUnits(FEATURES).build());
        fc2 = addChildBlock("fc2", Linear.builder().setUnits(classes).build());
    }

    private static Conv2d conv(int filters) {
        return org.ddpm4j.model.Layers.conv(filters, 3, 1);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray h = inputs.get(0);
        int k = 0;
        for (int stage = 0; stage < widths.length; stage++) {
            for (int i = 0; i < convsPerStage; i++) {
                h = Activation.relu(Layers.apply(convs.get(k++), ps, h, training));
            }
            h = Pool.maxPool2d(h, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
        }
        h = h.reshape(h.getShape().get(0), -1); // (B, last width * H/4 * W/4)
        NDArray f = Activation.relu(Layers.apply(fc1, ps, h, training));
        NDArray kept = inputs.size() > 1 ? f.mul(inputs.get(1)) : f; // training: a dropout mask on the features
        return new NDList(Layers.apply(fc2, ps, kept, training), f);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long b = inputShapes[0].get(0);
        return new Shape[] {new Shape(b, -1), new Shape(b, FEATURES)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        long b = x.get(0);
        long c = x.get(1);
        long h = x.get(2);
        long w = x.get(3);
        int k = 0;
        for (int width : widths) {
            for (int i = 0; i < convsPerStage; i++) {
                convs.get(k++).initialize(manager, dataType, new Shape(b, c, h, w));
                c = width;
            }
            h /= 2;
            w /= 2;
        }
        fc1.initialize(manager, dataType, new Shape(b, c * h * w));
        fc2.initialize(manager, dataType, new Shape(b, FEATURES));
    }
}
