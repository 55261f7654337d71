package org.ddpm4j.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ddpm4j.DdpmException;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.util.Json;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;

/**
 * A run directory: {@code checkpoint.ddpm} (configs + weights + training state), a readable copy of the
 * configs in {@code config.json}, and the training log {@code train_log.jsonl}.
 *
 * @param dir the run directory
 * @param checkpoint the verified checkpoint contents
 * @param model the network config stored in it
 * @param diffusion the diffusion config stored in it
 */
public record Run(Path dir, CheckpointFile checkpoint, ModelConfig model, DiffusionConfig diffusion) {

    public static final String CHECKPOINT = "checkpoint.ddpm";
    public static final String CONFIG = "config.json";
    public static final String LOG = "train_log.jsonl";
    public static final String WEIGHTS = "model/";
    public static final String EMA = "ema/";
    /** Prefix of every power-function EMA's weights: {@code ema-std0.100/} for sigma_rel 0.10. */
    public static final String POWER_EMA = "ema-std";
    /** Meta key of a conditional run's class names (index = class), when its data named them. */
    public static final String CLASS_NAMES = "class_names";

    /** The tensor prefix of the power-function EMA of relative width {@code sigmaRel}. */
    public static String powerEma(double sigmaRel) {
        return String.format(java.util.Locale.ROOT, "%s%.3f/", POWER_EMA, sigmaRel);
    }

    /** The relative widths of the power-function EMAs this run keeps, ascending. */
    public java.util.List<Double> powerEmaStds() {
        java.util.TreeSet<Double> out = new java.util.TreeSet<>();
        for (String k : checkpoint.tensors().keySet()) {
            if (k.startsWith(POWER_EMA)) {
                int slash = k.indexOf('/');
                try {
                    out.add(Double.parseDouble(k.substring(POWER_EMA.length(), slash)));
                } catch (RuntimeException e) {
                    // not one of ours
                }
            }
        }
        return java.util.List.copyOf(out);
    }

    /** True if {@code dir} holds a checkpoint. */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(CHECKPOINT));
    }

    /** Opens and verifies a run directory; a missing or damaged checkpoint is a one-line error. */
    public static Run open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DdpmException("no run at " + dir + " (expected a directory made by ./ddpm train)");
        }
        Path file = dir.resolve(CHECKPOINT);
        if (!Files.isRegularFile(file)) {
            throw new DdpmException("no checkpoint in " + dir + " (expected " + file + ")");
        }
        CheckpointFile c = CheckpointFile.read(file);
        ModelConfig model = Json.decode(c.meta().get("model"), ModelConfig.class, file + ": model config");
        DiffusionConfig diffusion = Json.decode(c.meta().get("diffusion"), DiffusionConfig.class, file + ": diffusion config");
        return new Run(dir, c, model, diffusion);
    }

    /**
     * This run without its training-only tensors (optimizer moments and the like): the network and EMA weights
     * and the metadata, all that sampling needs.
     */
    public Run forSampling() {
        java.util.Map<String, Tensor> kept = new java.util.LinkedHashMap<>();
        checkpoint.tensors().forEach((k, v) -> {
            if (k.startsWith(WEIGHTS) || k.startsWith(EMA) || k.startsWith(POWER_EMA)) {
                kept.put(k, v);
            }
        });
        return new Run(dir, new CheckpointFile(checkpoint.meta(), kept), model, diffusion);
    }

    /** The bytes of tensor data this run holds in memory. */
    public long tensorBytes() {
        long n = 0;
        for (Tensor t : checkpoint.tensors().values()) {
            n += 4L * t.data().length;
        }
        return n;
    }

    /**
     * How often a training run writes preview grids and checkpoints, and the step of its autoguidance snapshot
     * (0: none): the plan settings beside the training config. Stored under {@code plan} (older runs: {@code cli}).
     *
     * @param sampleEvery steps between preview grids (0: none)
     * @param checkpointEvery steps between checkpoints
     * @param guideAt the step whose weights are kept as a weak guide network (0: none)
     * @param chooseWeights images per candidate when the meter chooses the weights at the end (0: no choice)
     */
    public record Cadence(int sampleEvery, int checkpointEvery, long guideAt, int chooseWeights) {

        /** The cadence of a run that stored none. */
        public static final Cadence DEFAULT = new Cadence(0, 500, 0, 0);

        /** Without a choice of weights at the end. */
        public Cadence(int sampleEvery, int checkpointEvery, long guideAt) {
            this(sampleEvery, checkpointEvery, guideAt, 0);
        }

        /** The section as written into a checkpoint's metadata. */
        public JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("sample_every", sampleEvery);
            o.addProperty("checkpoint_every", checkpointEvery);
            if (guideAt > 0) {
                o.addProperty("guide_at", guideAt);
            }
            if (chooseWeights > 0) {
                o.addProperty("choose_weights", chooseWeights);
            }
            return o;
        }
    }

    /** The metadata key of the {@link Cadence} section. */
    public static final String CADENCE = "plan";

    /** This run's {@link Cadence}, with the default for what it does not store. */
    public Cadence cadence() {
        JsonObject o = checkpoint.meta().has(CADENCE) ? checkpoint.meta().getAsJsonObject(CADENCE) : checkpoint.meta().getAsJsonObject("cli");
        if (o == null) {
            return Cadence.DEFAULT;
        }
        return new Cadence(o.has("sample_every") ? o.get("sample_every").getAsInt() : Cadence.DEFAULT.sampleEvery(),
                o.has("checkpoint_every") ? o.get("checkpoint_every").getAsInt() : Cadence.DEFAULT.checkpointEvery(),
                o.has("guide_at") ? o.get("guide_at").getAsLong() : Cadence.DEFAULT.guideAt(),
                o.has("choose_weights") ? o.get("choose_weights").getAsInt() : Cadence.DEFAULT.chooseWeights());
    }

    /** The training config this run was trained with (a damaged or missing section is a one-line error). */
    public TrainConfig train() {
        return Json.decode(checkpoint.meta().get("train"), TrainConfig.class, dir.resolve(CHECKPOINT) + ": training config");
    }

    /** The class names of a conditional run (index = class); empty if its classes are only numbered. */
    public java.util.List<String> classNames() {
        com.google.gson.JsonElement e = checkpoint.meta().get(CLASS_NAMES);
        java.util.List<String> out = new java.util.ArrayList<>();
        if (e != null && e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> out.add(x.getAsString()));
        }
        return out;
    }

    /** The metadata key of the absolute path of a run's {@code folder:} or {@code idx:} data, as training resolved it. */
    public static final String DATA_PATH = "data_path";

    /**
     * The data spec to open: {@code spec} itself, unless it names a relative {@code folder:} or {@code idx:}
     * directory that does not exist from {@code cwd} while {@code recorded} (the absolute path training resolved
     * it to, or null) does: then the recorded path. So a run trained on {@code folder:pics} can be evaluated from
     * another directory, and a moved project still finds its data by the relative path.
     */
    public static String resolveDataSpec(String spec, String recorded, Path cwd) {
        String prefix = spec.startsWith("folder:") ? "folder:" : spec.startsWith("idx:") ? "idx:" : null;
        if (prefix == null || recorded == null) {
            return spec;
        }
        Path given = Path.of(spec.substring(prefix.length()));
        if (given.isAbsolute() || java.nio.file.Files.isDirectory(cwd.resolve(given)) || !java.nio.file.Files.isDirectory(Path.of(recorded))) {
            return spec;
        }
        return prefix + recorded;
    }

    /** The data this run was trained on (for eval): its spec, size and channel options. */
    public org.ddpm4j.data.ImageSet loadData(java.io.PrintStream warn) {
        TrainConfig.Data data = train().data();
        com.google.gson.JsonElement recorded = checkpoint.meta().get(DATA_PATH);
        String spec = resolveDataSpec(data.spec(), recorded == null || recorded.isJsonNull() ? null : recorded.getAsString(),
                Path.of("").toAbsolutePath());
        return org.ddpm4j.data.Datasets.load(spec, data.size(), data.channels(), warn);
    }

    /** The training-state section (step, RNG, ...), as stored. */
    public JsonObject stateSection() {
        JsonObject s = checkpoint.meta().getAsJsonObject("state");
        return s == null ? new JsonObject() : s;
    }

    /** Builds the stored network and loads its weights: the EMA weights if present and asked for. */
    public Denoiser loadModel(NDManager manager, boolean preferEma) {
        return loadModel(manager, usesEma(preferEma) ? EMA : WEIGHTS);
    }

    /** Builds the stored network and loads the weights stored under {@code prefix} ({@link #WEIGHTS}, {@link #EMA}, ...). */
    public Denoiser loadModel(NDManager manager, String prefix) {
        Denoiser d = Denoiser.create(model, manager, new Rng(0));
        try {
            restore(d, prefix);
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    /** True if {@link #loadModel} loads the EMA weights when asked {@code preferEma}: asked for, and stored. */
    public boolean usesEma(boolean preferEma) {
        return preferEma && hasTensors(EMA);
    }

    /** True if any tensor name starts with {@code prefix}. */
    public boolean hasTensors(String prefix) {
        return checkpoint.tensors().keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }

    /** Copies the tensors under {@code prefix} into the network, checking every name and shape. */
    public void restore(Denoiser d, String prefix) {
        Path file = dir.resolve(CHECKPOINT);
        for (Denoiser.NamedParameter p : d.parameters()) {
            Tensor t = checkpoint.tensors().get(prefix + p.name());
            if (t == null) {
                throw new DdpmException(file + ": checkpoint does not match its " + model.type()
                        + " model (no weights for " + p.name() + ")");
            }
            long[] expected = p.array().getShape().getShape();
            if (!Arrays.equals(expected, t.shape())) {
                throw new DdpmException(file + ": checkpoint does not match its " + model.type() + " model ("
                        + p.name() + " has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(expected) + ")");
            }
            Tensors.copyInto(p.array(), t.data());
        }
    }

    /** The network's weights as checkpoint tensors named {@code prefix + parameter name}. */
    public static Map<String, Tensor> export(Denoiser d, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Denoiser.NamedParameter p : d.parameters()) {
            out.put(prefix + p.name(), toTensor(p.array()));
        }
        return out;
    }

    public static Tensor toTensor(NDArray a) {
        return new Tensor(a.getShape().getShape(), a.toFloatArray());
    }

    /**
     * Writes a run's checkpoint atomically, then its readable config copy.
     *
     * @param dir the run directory (created if needed)
     * @param meta configs and state (must hold "model" and "diffusion")
     * @param tensors weights and any other state tensors
     */
    public static void save(Path dir, JsonObject meta, Map<String, Tensor> tensors) {
        new CheckpointFile(meta, tensors).write(dir.resolve(CHECKPOINT));
        JsonObject readable = meta.deepCopy();
        readable.remove("state");
        org.ddpm4j.util.AtomicFiles.writeString(dir.resolve(CONFIG), Json.PRETTY.toJson(readable) + "\n");
    }
}
