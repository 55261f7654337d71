package org.ddpm4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.ddpm4j.util.Tensors;

/**
 * Every weight of a network in one contiguous buffer, each parameter's array a view of it, so that the
 * optimizer, weight decay, the EMA, the global gradient norm and clipping cost a few tensor ops per step instead
 * of a few per weight tensor (what PyTorch's fused and foreach optimizers buy, and FSDP's flat parameter).
 *
 * <p>The buffer is the autograd leaf. Under autograd the network reads its weights through one
 * {@code split_with_sizes} of it ({@link #trainingViews}), whose backward is a single concatenation, so a
 * backward pass leaves every gradient in the buffer's one flat gradient ({@link #gradient}). Outside autograd
 * the parameters' own arrays are fixed views of the buffer (created with autograd off, so they carry no graph):
 * loading a checkpoint, copying weights and sampling write and read the buffer through them.
 */
public final class FlatWeights {

    private final NDArray flat; // (N,)
    private final long[] sizes;
    private final Shape[] shapes;
    private final List<Parameter> parameters;

    private FlatWeights(NDArray flat, List<Parameter> parameters, long[] sizes, Shape[] shapes) {
        this.flat = flat;
        this.parameters = parameters;
        this.sizes = sizes;
        this.shapes = shapes;
    }

    /**
     * Moves the initialised {@code parameters} into one buffer in {@code manager}, in order, and points each
     * parameter's array at its view of it (the old arrays are closed). Values are unchanged.
     */
    static FlatWeights adopt(List<Parameter> parameters, NDManager manager) {
        int n = parameters.size();
        long[] sizes = new long[n];
        Shape[] shapes = new Shape[n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            shapes[i] = parameters.get(i).getArray().getShape();
            sizes[i] = shapes[i].size();
            total += sizes[i];
        }
        float[] all = new float[Math.toIntExact(total)];
        int off = 0;
        for (int i = 0; i < n; i++) {
            float[] v = parameters.get(i).getArray().toFloatArray();
            System.arraycopy(v, 0, all, off, v.length);
            off += v.length;
        }
        NDArray flat = Tensors.fromJava(manager, all);
        NDScope.unregister(flat); // it lives as long as the network, whatever scope builds it
        flat.setRequiresGradient(true);
        FlatWeights fw = new FlatWeights(flat, List.copyOf(parameters), sizes, shapes);
        List<NDArray> views = fw.fixedViews(flat);
        for (int i = 0; i < n; i++) {
            Parameter p = parameters.get(i);
            p.close(); // frees the old array; with no array the shape may be cleared and a new array set
            p.setShape(null);
            p.setArray(views.get(i));
        }
        return fw;
    }

    /** The weights, (N,): the autograd leaf. Write it only with autograd off. */
    public NDArray flat() {
        return flat;
    }

    /** The flat gradient, (N,), left by backward passes (a new wrapper each call; close it with its scope). */
    public NDArray gradient() {
        return flat.getGradient();
    }

    /** Number of weights N. */
    public long size() {
        return flat.size();
    }

    /** The parameters' shapes, in buffer order. */
    public List<Shape> shapes() {
        return List.of(shapes);
    }

    /** Splits the values of an (N,) buffer laid out like the weights into one array per parameter. */
    public List<float[]> unflatten(float[] all) {
        if (all.length != flat.size()) {
            throw new IllegalArgumentException(all.length + " values for " + flat.size() + " weights");
        }
        List<float[]> out = new ArrayList<>(sizes.length);
        int off = 0;
        for (long size : sizes) {
            out.add(java.util.Arrays.copyOfRange(all, off, off + (int) size));
            off += (int) size;
        }
        return out;
    }

    /** Joins one array per parameter, in buffer order, into the values of an (N,) buffer. */
    public float[] flatten(List<float[]> parts) {
        float[] all = new float[Math.toIntExact(flat.size())];
        int off = 0;
        for (int i = 0; i < sizes.length; i++) {
            float[] v = parts.get(i);
            if (v.length != sizes[i]) {
                throw new IllegalArgumentException(v.length + " values for a weight of shape " + shapes[i]);
            }
            System.arraycopy(v, 0, all, off, v.length);
            off += v.length;
        }
        return all;
    }

    /** The parameters, in buffer order. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * Views of {@code buffer}, any (N,) tensor laid out like the weights (Adam's moments, an EMA), one per
     * parameter in its shape, made with autograd off and kept out of any open {@link NDScope}: they live until
     * {@code buffer}'s manager closes.
     */
    public List<NDArray> fixedViews(NDArray buffer) {
        checkLayout(buffer);
        return org.ddpm4j.util.Tensors.withoutGrad(() -> {
            List<NDArray> views = views(buffer);
            for (NDArray v : views) {
                NDScope.unregister(v);
            }
            return Collections.unmodifiableList(views);
        });
    }

    /**
     * The weights as autograd sees them for one forward pass: one split of the buffer, each piece reshaped to its
     * parameter's shape. Made in the current scope, so they are freed with the step.
     */
    Map<Parameter, NDArray> trainingViews() {
        List<NDArray> views = views(flat);
        Map<Parameter, NDArray> map = new IdentityHashMap<>();
        for (int i = 0; i < views.size(); i++) {
            map.put(parameters.get(i), views.get(i));
        }
        return map;
    }

    private List<NDArray> views(NDArray buffer) {
        long[] indices = new long[sizes.length - 1]; // split points, as NDArray.split takes them
        long at = 0;
        for (int i = 0; i < indices.length; i++) {
            at += sizes[i];
            indices[i] = at;
        }
        NDList pieces = indices.length == 0 ? new NDList(buffer) : buffer.split(indices);
        List<NDArray> out = new ArrayList<>(pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
            NDArray piece = pieces.get(i);
            NDArray view = piece.reshape(shapes[i]);
            if (view != piece) {
                piece.close(); // the reshaped view keeps the storage
            }
            out.add(view);
        }
        return out;
    }

    private void checkLayout(NDArray buffer) {
        if (buffer.getShape().dimension() != 1 || buffer.size() != flat.size()) {
            throw new IllegalArgumentException("a buffer of shape " + buffer.getShape() + " for " + flat.size() + " weights");
        }
    }
}
