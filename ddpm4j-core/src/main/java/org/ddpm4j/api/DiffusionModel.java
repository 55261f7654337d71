package org.ddpm4j.api;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.data.ClassChoice;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.image.Images;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.pipeline.DiffusionPipeline;
import org.ddpm4j.pipeline.StepListener;
import org.ddpm4j.util.Rng;

/**
 * A trained run, opened for generation: the entry point of ddpm4j as a library.
 *
 * <pre>{@code
 * try (DiffusionModel model = DiffusionModel.open(Path.of("runs/demo"))) {
 *     GeneratedImages images = model.generate(Generation.builder().count(16).seed(1).build());
 *     images.writePngs(Path.of("samples"));
 * }
 * }</pre>
 *
 * <p>The network's weights live in native (PyTorch) memory until {@link #close}. The EMA weights are used when
 * the run has them. DJL must run offline on its bundled CPU natives: set {@code -Dai.djl.offline=true} (the
 * {@code ./ddpm} launcher does, as does this class if the property is unset), and cap direct memory with
 * {@code -XX:MaxDirectMemorySize=512m} as the launcher does. A model is not thread-safe: use one per thread.
 */
public final class DiffusionModel implements AutoCloseable {

    private final Run run;
    private final NDManager manager;
    private final Denoiser net;

    private DiffusionModel(Run run, NDManager manager, Denoiser net) {
        this.run = run;
        this.manager = manager;
        this.net = net;
    }

    /** Opens the run in {@code runDir} (made by {@code ./ddpm train} or the training API) and loads its network. */
    public static DiffusionModel open(Path runDir) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true"); // nothing is downloaded: the CPU natives come from the jar
        }
        Run run = Run.open(runDir).forSampling();
        NDManager manager = NDManager.newBaseManager();
        try {
            return new DiffusionModel(run, manager, run.loadModel(manager, true));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The side of the square images this model makes. */
    public int size() {
        return run.model().size();
    }

    /** 1 (gray) or 3 (RGB). */
    public int channels() {
        return run.model().channels();
    }

    /** True if the model was trained with classes (and can draw a chosen one). */
    public boolean conditional() {
        return run.model().conditional();
    }

    /** The number of classes (0 for an unconditional model). */
    public int classes() {
        return run.model().conditional() ? run.model().classes() : 0;
    }

    /** The class names, index = class (folder names for a folder run; empty when the classes have none). */
    public List<String> classNames() {
        return List.copyOf(run.classNames());
    }

    /** Generates the requested images. */
    public GeneratedImages generate(Generation g) {
        try {
            return generateValidated(g);
        } catch (org.ddpm4j.SettingException e) {
            throw InvalidRequestException.of(e);
        }
    }

    private GeneratedImages generateValidated(Generation g) {
        ModelConfig mc = run.model();
        int[] classes = null;
        if (g.classChoice().isPresent()) {
            int c = resolveClass(g.classChoice().get());
            classes = new int[g.count()];
            Arrays.fill(classes, c);
        }
        return new GeneratedImages(draw(g, classes), g.count(), mc.channels(), mc.size());
    }

    /** The images of {@code g}, image i of class {@code classes[i]} (null: unconditional). */
    private float[] draw(Generation g, int[] classes) {
        ModelConfig mc = run.model();
        GaussianDiffusion diffusion = run.diffusion().build();
        int steps = withinT(g.steps().orElse(Defaults.steps(mc, run.diffusion())));
        SamplerKind kind = g.sampler().orElse(SamplerKind.of(Defaults.sampler(mc).name()));
        return new DiffusionPipeline(net, Defaults.generationSampler(mc, kind).build(diffusion))
                .generate(classes == null ? g.count() : classes.length, steps, g.batch(), new Rng(g.seed()), StepListener.NONE,
                        classes, g.guidance());
    }

    /** Inpaints: {@code count} completions of the image, its dark mask pixels kept exactly. */
    public GeneratedImages inpaint(Inpainting r) {
        try {
            return inpaintValidated(r);
        } catch (org.ddpm4j.SettingException e) {
            throw InvalidRequestException.of(e);
        }
    }

    private GeneratedImages inpaintValidated(Inpainting r) {
        ModelConfig mc = run.model();
        GaussianDiffusion diffusion = run.diffusion().build();
        withinT(r.steps());
        checkSize("image", r.image());
        checkSize("mask", r.mask());
        int cls = r.classChoice().isPresent() ? resolveClass(r.classChoice().get()) : -1;
        float[] image = Images.toTensor(r.image(), mc.channels(), mc.size(), "the image");
        float[] mask = Images.toMask(r.mask(), mc.size());
        float[] out = new DiffusionPipeline(net, Defaults.inpaintingSampler(r.sampler()).build(diffusion), diffusion)
                .inpaint(image, mask, r.count(), r.steps(), r.resample(), new Rng(r.seed()), StepListener.NONE, cls, r.guidance());
        return new GeneratedImages(out, r.count(), mc.channels(), mc.size());
    }

    /**
     * Scores the model with the quality meter, as {@code ./ddpm eval} does: the same images for the same
     * settings and seed, the same scores. Trains the meter's classifier on the run's data the first time
     * (minutes; cached), reporting its progress to {@code log}.
     */
    public Evaluation.Result evaluate(Evaluation e, java.io.PrintStream log) {
        try {
            return evaluateValidated(e, log);
        } catch (org.ddpm4j.SettingException ex) {
            throw InvalidRequestException.of(ex);
        }
    }

    private Evaluation.Result evaluateValidated(Evaluation e, java.io.PrintStream log) {
        ModelConfig mc = run.model();
        org.ddpm4j.eval.Meter meter = org.ddpm4j.eval.Meter.of(e.meter());
        org.ddpm4j.data.ImageSet all = run.loadData(log);
        com.google.gson.JsonObject train = run.trainSection();
        int digit = train.has("digit") && !train.get("digit").isJsonNull() ? train.get("digit").getAsInt() : -1;
        try (org.ddpm4j.eval.TrainedClassifier clf = org.ddpm4j.eval.TrainedClassifier.forData(all, meter, log)) {
            long t0 = System.nanoTime();
            if (!mc.conditional()) {
                float[] images = draw(e.generation(e.count(), -1), null);
                double secs = (System.nanoTime() - t0) / 1e9;
                org.ddpm4j.data.ImageSet real = digit < 0 ? all : all.filterLabel(digit);
                org.ddpm4j.eval.Evaluator.Scores s = org.ddpm4j.eval.Evaluator.score(clf, images, e.count(), real, digit);
                return new Evaluation.Result(s.fid(), s.accuracy(), List.of(), e.count(), e.count() / secs, meter.version(),
                        clf.heldOutAccuracy());
            }
            int k = mc.classes();
            int[] classes = new int[k * e.count()]; // n of every class, in class order, as ./ddpm eval draws them
            for (int i = 0; i < classes.length; i++) {
                classes[i] = i / e.count();
            }
            float[] images = draw(e.generation(classes.length, -1), classes);
            double secs = (System.nanoTime() - t0) / 1e9;
            int total = k * e.count();
            int[] pred = clf.predict(images, total, mc.channels(), mc.size());
            List<Double> perClass = new java.util.ArrayList<>();
            double sum = 0;
            for (int c = 0; c < k; c++) {
                int ok = 0;
                for (int i = c * e.count(); i < (c + 1) * e.count(); i++) {
                    ok += pred[i] == c ? 1 : 0;
                }
                perClass.add((double) ok / e.count());
                sum += (double) ok / e.count();
            }
            double fid = org.ddpm4j.eval.Evaluator.score(clf, images, total, all, -1).fid();
            return new Evaluation.Result(fid, sum / k, perClass, total, total / secs, meter.version(), clf.heldOutAccuracy());
        }
    }

    /** {@code steps}, if the run's T allows that many network calls. */
    private int withinT(int steps) {
        if (steps > run.diffusion().steps()) {
            throw new InvalidRequestException("steps", "must be in 1.." + run.diffusion().steps() + " (the run's T), got " + steps);
        }
        return steps;
    }

    private void checkSize(String field, java.awt.image.BufferedImage picture) {
        int size = run.model().size();
        if (picture.getWidth() != size || picture.getHeight() != size) {
            throw new InvalidRequestException(field, "is " + picture.getWidth() + "x" + picture.getHeight()
                    + " but the model makes " + size + "x" + size + " images");
        }
    }

    private int resolveClass(String choice) {
        if (!run.model().conditional()) {
            throw new InvalidRequestException("class", "this model is not class-conditional: it cannot draw a chosen class");
        }
        try {
            return ClassChoice.index(choice, run.model().classes(), run.classNames());
        } catch (org.ddpm4j.DdpmException e) {
            throw new InvalidRequestException("class", e.getMessage());
        }
    }

    @Override
    public void close() {
        net.close();
        manager.close();
    }
}
