package org.ddpm4j.eval;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.CheckpointFile;
import org.ddpm4j.checkpoint.Tensor;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.model.TorchInit;
import org.ddpm4j.train.Adam;
import org.ddpm4j.util.ProgressBar;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;

/**
 * A {@link Classifier} trained once per dataset (seeded, so every machine trains the same one) and cached
 * under {@code $DDPM4J_CACHE} (default {@code ~/.cache/ddpm4j}), keyed by a SHA-256 of the pixels and labels.
 */
public final class TrainedClassifier implements AutoCloseable {

    /** The seed every meter's classifier is trained with ({@link #forData}). */
    public static final long SEED = 20240229L;

    private final NDManager manager;
    private final Classifier block;
    private final ParameterStore store;
    private final int classes;
    private final double heldOutAccuracy;
    private final Meter meter;

    private TrainedClassifier(NDManager manager, Classifier block, int classes, double heldOutAccuracy, Meter meter) {
        this.manager = manager;
        this.block = block;
        this.store = new ParameterStore(manager, false);
        this.classes = classes;
        this.heldOutAccuracy = heldOutAccuracy;
        this.meter = meter;
    }

    public Meter meter() {
        return meter;
    }

    public int classes() {
        return classes;
    }

    /** Accuracy on the 10% of the data held out from its training. */
    public double heldOutAccuracy() {
        return heldOutAccuracy;
    }

    /** Where classifiers are cached: system property ddpm4j.cache, else $DDPM4J_CACHE, else ~/.cache/ddpm4j. */
    public static Path cacheDir() {
        return org.ddpm4j.util.CacheDir.get();
    }

    /**
     * Loads the cached classifier of this dataset, or trains and caches it. A dataset without labels gets a
     * self-supervised one instead: it learns which of four rotations (0, 90, 180, 270 degrees) each image
     * shows, and its penultimate features serve the FID as a labelled classifier's do.
     */
    public static TrainedClassifier forData(ImageSet data, Meter meter, PrintStream log) {
        if (!data.hasLabels()) {
            data = rotations(data);
        }
        int classes = 0;
        for (int i = 0; i < data.size(); i++) {
            classes = Math.max(classes, data.label(i) + 1);
        }
        Path file = cacheDir().resolve("classifier-" + key(data, meter) + ".ddpm");
        if (Files.isRegularFile(file)) {
            try {
                return load(file, data, classes, meter);
            } catch (DdpmException e) {
                log.println("warning: ignoring a damaged classifier cache (" + e.getMessage() + "); retraining");
            }
        }
        log.printf(Locale.ROOT, "training the evaluation classifier of meter %d on %,d images of %s (once; cached in %s)%n",
                meter.version(), data.size(), data.description(), cacheDir());
        TrainedClassifier c = train(data, classes, new Rng(SEED), meter, log);
        c.save(file, data);
        log.printf(Locale.ROOT, "classifier accuracy on held-out images: %.2f%%%n", 100 * c.heldOutAccuracy);
        return c;
    }

    /** True if {@link #forData} would load a cached classifier for {@code data} instead of training one. */
    public static boolean isCached(ImageSet data, Meter meter) {
        return Files.isRegularFile(cacheDir().resolve("classifier-" + key(data.hasLabels() ? data : rotations(data), meter) + ".ddpm"));
    }

    /** Every image in its four rotations, labelled 0..3 by the number of quarter turns. */
    static ImageSet rotations(ImageSet data) {
        int n = data.size();
        int c = data.channels();
        int h = data.height();
        if (h != data.width()) {
            throw new DdpmException(data.description() + ": images must be square");
        }
        int per = data.imageSize();
        float[] px = new float[4 * n * per];
        int[] labels = new int[4 * n];
        for (int i = 0; i < n; i++) {
            float[] img = data.image(i);
            for (int r = 0; r < 4; r++) {
                int off = (4 * i + r) * per;
                labels[4 * i + r] = r;
                for (int ch = 0; ch < c; ch++) {
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < h; x++) {
                            int sy = y;
                            int sx = x;
                            for (int k = 0; k < r; k++) { // one quarter turn: (y, x) <- (x, h-1-y)
                                int t = sy;
                                sy = sx;
                                sx = h - 1 - t;
                            }
                            px[off + ch * h * h + y * h + x] = img[ch * h * h + sy * h + sx];
                        }
                    }
                }
            }
        }
        return new ImageSet(px, labels, 4 * n, c, h, h, data.description() + " (rotations)");
    }

    private static String key(ImageSet data, Meter meter) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((meter.key() + ":" + data.channels() + "x" + data.height() + "x" + data.width()).getBytes());
            ByteBuffer b = ByteBuffer.allocate(4 * data.imageSize() + 4);
            for (int i = 0; i < data.size(); i++) {
                b.clear();
                for (float v : data.image(i)) {
                    b.putFloat(v);
                }
                b.putInt(data.label(i));
                md.update(b.array(), 0, b.position());
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Classifier newBlock(NDManager m, int classes, ImageSet data, Meter meter) {
        Classifier block = new Classifier(classes, meter);
        block.initialize(m, DataType.FLOAT32, new Shape(1, data.channels(), data.height(), data.width()));
        return block;
    }

    /** Initialises the block's weights from {@code rng}, then draws the split: all indices, the held-out ones first. */
    private static int[] initialiseAndSplit(Classifier block, ImageSet data, Rng rng) {
        TorchInit.apply(block.getParameters(), rng);
        return rng.permutation(data.size());
    }

    private static int heldOutCount(ImageSet data) {
        return Math.max(1, data.size() / 10);
    }

    /** The indices of the images {@link #train} holds out from training when given {@code rng} in the same state. */
    public static int[] heldOut(ImageSet data, int classes, Rng rng, Meter meter) {
        try (NDManager m = NDManager.newBaseManager()) {
            int[] perm = initialiseAndSplit(newBlock(m, classes, data, meter), data, rng);
            return java.util.Arrays.copyOfRange(perm, 0, heldOutCount(data));
        }
    }

    /** Trains the classifier of {@code meter} on 90% of the data; the rest measures its held-out accuracy. */
    public static TrainedClassifier train(ImageSet data, int classes, Rng rng, Meter meter, PrintStream log) {
        NDManager m = NDManager.newBaseManager();
        Classifier block = newBlock(m, classes, data, meter);
        int[] perm = initialiseAndSplit(block, data, rng);
        List<NDArray> weights = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            weights.add(p.getValue().getArray());
        }
        Adam adam = new Adam(weights, m, 0.9, 0.999, 1e-8, 0);
        ParameterStore ps = new ParameterStore(m, false);
        int holdOut = heldOutCount(data);
        int[] train = java.util.Arrays.copyOfRange(perm, holdOut, perm.length);
        int[] test = java.util.Arrays.copyOfRange(perm, 0, holdOut);
        int batch = 128;
        int per = data.imageSize();
        Shape img = new Shape(data.channels(), data.height(), data.width());
        int stepsPerEpoch = (train.length + batch - 1) / batch;
        int total = meter.epochs() * stepsPerEpoch;
        int step = 0;
        float[] one = new float[per];
        ProgressBar bar = new ProgressBar(log, "classifier", "step");
        for (int epoch = 0; epoch < meter.epochs(); epoch++) {
            int[] order = rng.permutation(train.length);
            for (int s = 0; s < train.length; s += batch) {
                int b = Math.min(batch, train.length - s);
                float[] x = new float[b * per];
                float[] onehot = new float[b * classes];
                for (int i = 0; i < b; i++) {
                    int idx = train[order[s + i]];
                    if (meter.shift() == 0 && meter.rotate() == 0) {
                        data.copyImage(idx, x, i * per);
                    } else {
                        data.copyImage(idx, one, 0);
                        int dx = rng.nextInt(2 * meter.shift() + 1) - meter.shift();
                        int dy = rng.nextInt(2 * meter.shift() + 1) - meter.shift();
                        if (meter.rotate() == 0) {
                            shift(one, x, i * per, data.channels(), data.height(), data.width(), dx, dy);
                        } else {
                            double angle = Math.toRadians(meter.rotate() * (2 * rng.nextDouble() - 1));
                            double scale = 1 + meter.rotate() / 100.0 * (2 * rng.nextDouble() - 1);
                            affine(one, x, i * per, data.channels(), data.height(), data.width(), angle, scale, dx, dy);
                        }
                    }
                    onehot[i * classes + data.label(idx)] = 1;
                }
                try (NDScope scope = new NDScope()) {
                    NDArray xs = Tensors.fromJava(m, x, new Shape(b).addAll(img));
                    NDArray y = Tensors.fromJava(m, onehot, new Shape(b, classes));
                    NDList in = new NDList(xs);
                    if (meter.dropout() > 0) { // inverted dropout on the features, drawn from the seeded Rng
                        float[] keep = new float[b * Classifier.FEATURES];
                        for (int j = 0; j < keep.length; j++) {
                            keep[j] = rng.nextDouble() < meter.dropout() ? 0f : (float) (1 / (1 - meter.dropout()));
                        }
                        in.add(Tensors.fromJava(m, keep, new Shape(b, Classifier.FEATURES)));
                    }
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray logits = block.forward(ps, in, true).get(0);
                        NDArray loss = logits.logSoftmax(1).mul(y).sum(new int[] {1}).neg().mean(); // cross-entropy
                        gc.backward(loss);
                    }
                    double lr = meter.cosine() ? 1e-3 * (1 + Math.cos(Math.PI * step / total)) : 2e-3;
                    adam.step(lr);
                }
                bar.update(++step, total, null);
            }
        }
        TrainedClassifier c = new TrainedClassifier(m, block, classes, Double.NaN, meter);
        float[] tx = new float[test.length * per];
        for (int i = 0; i < test.length; i++) {
            data.copyImage(test[i], tx, i * per);
        }
        int[] pred = c.predict(tx, test.length, data.channels(), data.height());
        int ok = 0;
        for (int i = 0; i < test.length; i++) {
            ok += pred[i] == data.label(test[i]) ? 1 : 0;
        }
        return new TrainedClassifier(m, block, classes, (double) ok / test.length, meter);
    }

    /**
     * Turns one (C, H, W) image by {@code angle} radians and scales it by {@code scale} about its centre, then moves
     * it by (dx, dy) pixels, into out[off..]: bilinear sampling, with the corner pixel's value outside the image.
     */
    static void affine(float[] img, float[] out, int off, int channels, int h, int w, double angle, double scale, int dx, int dy) {
        double cy = (h - 1) / 2.0;
        double cx = (w - 1) / 2.0;
        double cos = Math.cos(angle) / scale;
        double sin = Math.sin(angle) / scale;
        for (int c = 0; c < channels; c++) {
            float bg = img[c * h * w];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double u = x - dx - cx; // the output pixel, moved back and expressed about the centre
                    double v = y - dy - cy;
                    double sx = cos * u + sin * v + cx; // inverse rotation and scale
                    double sy = -sin * u + cos * v + cy;
                    int x0 = (int) Math.floor(sx);
                    int y0 = (int) Math.floor(sy);
                    double fx = sx - x0;
                    double fy = sy - y0;
                    double p = 0;
                    for (int k = 0; k < 4; k++) {
                        int xx = x0 + (k & 1);
                        int yy = y0 + (k >> 1);
                        double wt = ((k & 1) == 1 ? fx : 1 - fx) * ((k >> 1) == 1 ? fy : 1 - fy);
                        p += wt * (xx < 0 || yy < 0 || xx >= w || yy >= h ? bg : img[(c * h + yy) * w + xx]);
                    }
                    out[off + (c * h + y) * w + x] = (float) p;
                }
            }
        }
    }

    /** Moves one (C, H, W) image by (dx, dy) pixels into out[off..], repeating the edge pixels into the gap. */
    static void shift(float[] img, float[] out, int off, int channels, int h, int w, int dx, int dy) {
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++) {
                int sy = Math.min(h - 1, Math.max(0, y - dy));
                for (int x = 0; x < w; x++) {
                    int sx = Math.min(w - 1, Math.max(0, x - dx));
                    out[off + (c * h + y) * w + x] = img[(c * h + sy) * w + sx];
                }
            }
        }
    }

    private void save(Path file, ImageSet data) {
        JsonObject meta = new JsonObject();
        meta.addProperty("kind", "classifier");
        meta.addProperty("version", meter.version());
        meta.addProperty("classes", classes);
        meta.addProperty("held_out_accuracy", heldOutAccuracy);
        meta.addProperty("data", data.description());
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().getArray();
            t.put(p.getKey(), new Tensor(a.getShape().getShape(), a.toFloatArray()));
        }
        try {
            new CheckpointFile(meta, t).write(file);
        } catch (DdpmException e) {
            // an unwritable cache only costs a retrain next time
        }
    }

    private static TrainedClassifier load(Path file, ImageSet data, int classes, Meter meter) {
        CheckpointFile c = CheckpointFile.read(file);
        NDManager m = NDManager.newBaseManager();
        try {
            Classifier block = newBlock(m, classes, data, meter);
            for (Pair<String, Parameter> p : block.getParameters()) {
                Tensor t = c.tensor(p.getKey(), file);
                if (!java.util.Arrays.equals(t.shape(), p.getValue().getArray().getShape().getShape())) {
                    throw new DdpmException(file + ": classifier shape mismatch for " + p.getKey());
                }
                Tensors.copyInto(p.getValue().getArray(), t.data());
            }
            return new TrainedClassifier(m, block, classes, c.meta().get("held_out_accuracy").getAsDouble(), meter);
        } catch (RuntimeException e) {
            m.close();
            throw e instanceof DdpmException ? e : new DdpmException(file + ": " + e.getMessage());
        }
    }

    /** Penultimate features (n x 128, row-major) and predicted classes of n images (n, C, H, W) in [-1, 1]. */
    public record Output(float[] features, int[] predictions) {}

    public Output run(float[] images, int n, int channels, int size) {
        int per = channels * size * size;
        float[] feats = new float[n * Classifier.FEATURES];
        int[] preds = new int[n];
        int batch = 250;
        for (int s = 0; s < n; s += batch) {
            int b = Math.min(batch, n - s);
            try (NDScope scope = new NDScope()) {
                float[] x = java.util.Arrays.copyOfRange(images, s * per, (s + b) * per);
                NDList out = block.forward(store, new NDList(Tensors.fromJava(manager, x, new Shape(b, channels, size, size))), false);
                System.arraycopy(out.get(1).toFloatArray(), 0, feats, s * Classifier.FEATURES, b * Classifier.FEATURES);
                long[] p = out.get(0).argMax(1).toLongArray();
                for (int i = 0; i < b; i++) {
                    preds[s + i] = (int) p[i];
                }
            }
        }
        return new Output(feats, preds);
    }

    public int[] predict(float[] images, int n, int channels, int size) {
        return run(images, n, channels, size).predictions();
    }

    @Override
    public void close() {
        manager.close();
    }
}
