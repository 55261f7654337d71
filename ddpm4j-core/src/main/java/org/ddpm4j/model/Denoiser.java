package org.ddpm4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.ddpm4j.util.Rng;

/**
 * A denoiser network with its config and its own native memory: {@code (x_t, t[, class]) -> prediction}.
 *
 * <p>It owns an {@link NDManager} that holds the weights; close it to free them.
 */
public final class Denoiser implements AutoCloseable {

    /** A parameter with its stable, path-qualified name (used in checkpoints). */
    public record NamedParameter(String name, Parameter parameter) {
        public NDArray array() {
            return parameter.getArray();
        }
    }

    private final ModelConfig config;
    private final NDManager manager;
    private final Block block;
    private final List<NamedParameter> parameters;
    private final ParameterStore store;
    private final FlatWeights weights;
    private final java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();

    private Denoiser(ModelConfig config, NDManager manager, Block block) {
        this.config = config;
        this.manager = manager;
        this.block = block;
        List<NamedParameter> list = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            list.add(new NamedParameter(p.getKey(), p.getValue()));
        }
        this.parameters = Collections.unmodifiableList(list);
        this.store = new ParameterStore(manager, false);
        this.weights = FlatWeights.adopt(list.stream().map(NamedParameter::parameter).toList(), manager);
    }

    /**
     * Builds the network described by {@code config} and initialises its weights from {@code rng}, as
     * PyTorch initialises a fresh module (uniform in +-1/sqrt(fan_in) for convolutions and linear layers).
     */
    public static Denoiser create(ModelConfig config, NDManager parent, Rng rng) {
        org.ddpm4j.util.OneDnn.avoidFaultyKernels(); // before the first convolution: see OneDnn
        NDManager manager = parent.newSubManager();
        Block block = buildBlock(config);
        Shape x = new Shape(1, config.channels(), config.size(), config.size());
        if (config.conditional()) {
            block.initialize(manager, DataType.FLOAT32, x, new Shape(1), new Shape(1));
        } else {
            block.initialize(manager, DataType.FLOAT32, x, new Shape(1));
        }
        TorchInit.apply(block.getParameters(), rng);
        return new Denoiser(config, manager, block); // the initialised weights move into one flat buffer
    }

    private static Block buildBlock(ModelConfig config) {
        switch (config.type()) {
            case ModelConfig.SEED:
                return new SimpleDenoiseNet(config.channels());
            case ModelConfig.UNET:
                config.unet().checkImageSize(config.size());
                return new UNet(config.channels(), config.unet(), config.classes());
            default:
                throw new org.ddpm4j.DdpmException("model type '" + config.type() + "' is not available");
        }
    }

    /**
     * Runs the network.
     *
     * @param xt the noisy images, (B, C, H, W)
     * @param t the timesteps, (B,) float32
     * @param training true inside a training step (enables dropout)
     * @return the prediction, (B, C, H, W), owned by the manager of {@code xt}
     */
    public NDArray forward(NDArray xt, NDArray t, boolean training) {
        return forward(xt, t, null, training);
    }

    /**
     * Runs a class-conditional network; {@code classes} holds one class index per image, with -1 for
     * "no class" (the unconditional branch of classifier-free guidance). Ignored by unconditional networks.
     */
    public NDArray forward(NDArray xt, NDArray t, NDArray classes, boolean training) {
        // under autograd the weights are read through one split of the flat buffer, so gradients land in its
        // one flat gradient; otherwise through the parameters' fixed views of it
        ParameterStore ps = ai.djl.pytorch.jni.JniUtils.isGradMode() ? new ViewStore(manager, weights.trainingViews()) : store;
        return forward(ps, xt, t, classes, training);
    }

    /** The forward pass with the weights {@code ws} gives for each parameter (for tests of the flat layout). */
    NDArray forwardWith(Map<Parameter, NDArray> ws, NDArray xt, NDArray t, NDArray classes, boolean training) {
        return forward(new ViewStore(manager, ws), xt, t, classes, training);
    }

    private NDArray forward(ParameterStore ps, NDArray xt, NDArray t, NDArray classes, boolean training) {
        calls.incrementAndGet();
        if (config.conditional()) {
            NDArray c = classes != null ? classes : xt.getManager().full(t.getShape(), -1f);
            return block.forward(ps, new NDList(xt, t, c), training).singletonOrThrow();
        }
        return block.forward(ps, new NDList(xt, t), training).singletonOrThrow();
    }

    /** A parameter store that hands out given tensors for the parameters instead of their own arrays. */
    private static final class ViewStore extends ParameterStore {
        private final Map<Parameter, NDArray> views;

        ViewStore(NDManager manager, Map<Parameter, NDArray> views) {
            super(manager, false);
            this.views = views;
        }

        @Override
        public NDArray getValue(Parameter parameter, ai.djl.Device device, boolean training) {
            NDArray v = parameter == null ? null : views.get(parameter);
            return v != null ? v : super.getValue(parameter, device, training);
        }
    }

    /** The network's weights as one flat buffer, its parameters' arrays views of it. */
    public FlatWeights flatWeights() {
        return weights;
    }

    /** How many times the network has been run (one batched call counts once). */
    public long forwardCalls() {
        return calls.get();
    }

    public ModelConfig config() {
        return config;
    }

    public List<NamedParameter> parameters() {
        return parameters;
    }

    public long parameterCount() {
        long n = 0;
        for (NamedParameter p : parameters) {
            n += p.array().getShape().size();
        }
        return n;
    }

    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
