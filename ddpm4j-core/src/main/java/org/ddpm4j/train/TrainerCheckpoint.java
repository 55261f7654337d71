package org.ddpm4j.train;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.checkpoint.Tensor;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.util.Json;
import org.ddpm4j.util.Tensors;

/**
 * Saves a trainer's whole state into a run directory and restores it: weights, EMA weights, Adam moments,
 * step counters, the data order and the RNG state, so that a resumed run continues exactly.
 */
public final class TrainerCheckpoint {

    static final String ADAM_M = "adam.m/";
    static final String ADAM_V = "adam.v/";
    static final String ORDER = "state/order";

    private TrainerCheckpoint() {}

    /** Writes {@code dir/checkpoint.ddpm} atomically, then {@code dir/config.json}. */
    public static void save(Path dir, DiffusionTrainer t, ModelConfig mc, DiffusionConfig dc, TrainConfig tc, JsonObject extra) {
        save(dir, t, mc, dc, tc, extra, Map.of());
    }

    /** As above, with {@code more} tensors (a task's state, {@link TrainingTask#stateTensors}) in the checkpoint. */
    public static void save(Path dir, DiffusionTrainer t, ModelConfig mc, DiffusionConfig dc, TrainConfig tc, JsonObject extra,
            Map<String, Tensor> more) {
        JsonObject meta = new JsonObject();
        meta.addProperty("ddpm4j", "0.1.0");
        meta.add("model", Json.GSON.toJsonTree(mc));
        meta.add("diffusion", Json.GSON.toJsonTree(dc));
        meta.add("train", tc.toJson());
        if (extra != null) {
            for (String k : extra.keySet()) {
                meta.add(k, extra.get(k));
            }
        }
        JsonObject state = new JsonObject();
        state.addProperty("step", t.stepCount());
        state.addProperty("total_steps", t.totalSteps());
        state.addProperty("epoch", t.epoch());
        state.addProperty("cursor", t.cursor());
        state.addProperty("train_seconds", t.trainSeconds());
        state.addProperty("wall_seconds", t.wallSeconds());
        if (Double.isFinite(t.plannedSeconds())) {
            state.addProperty("planned_seconds", t.plannedSeconds());
        }
        state.addProperty("skipped", t.skippedBatches());
        state.addProperty("adam_step", t.optimizer().stepCount());
        state.addProperty("ema_updates", t.ema() == null ? 0 : t.ema().updates());
        if (!t.powerEmas().isEmpty()) {
            state.addProperty("power_ema_updates", t.powerEmas().get(0).updates());
        }
        JsonArray r = new JsonArray();
        for (long v : t.rng().state()) {
            r.add(v);
        }
        state.add("rng", r);
        meta.add("state", state);

        Map<String, Tensor> tensors = new LinkedHashMap<>(Run.export(t.model(), Run.WEIGHTS));
        if (t.ema() != null) {
            putAll(tensors, Run.EMA, t.model(), t.ema().shadow());
        }
        List<Double> stds = t.optimiser().emaStds();
        for (int i = 0; i < stds.size(); i++) {
            putAll(tensors, Run.powerEma(stds.get(i)), t.model(), t.powerEmas().get(i).shadow());
        }
        putAll(tensors, ADAM_M, t.model(), t.optimizer().firstMoments().get(0));
        putAll(tensors, ADAM_V, t.model(), t.optimizer().secondMoments().get(0));
        if (t.order() != null) {
            int[] order = t.order();
            float[] f = new float[order.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = order[i]; // exact: indices < 2^24
            }
            tensors.put(ORDER, new Tensor(new long[] {f.length}, f));
        }
        tensors.putAll(more);
        Run.save(dir, meta, tensors);
    }

    /** Stores an (N,) buffer laid out like the weights as one tensor per parameter, as it always was stored. */
    private static void putAll(Map<String, Tensor> out, String prefix, Denoiser model, NDArray flat) {
        List<Denoiser.NamedParameter> ps = model.parameters();
        List<float[]> parts = model.flatWeights().unflatten(flat.toFloatArray());
        for (int i = 0; i < ps.size(); i++) {
            out.put(prefix + ps.get(i).name(), new Tensor(model.flatWeights().shapes().get(i).getShape(), parts.get(i)));
        }
    }

    /** Restores a trainer (built from the run's own configs) to the state saved in the run. */
    public static void restore(Run run, DiffusionTrainer t) {
        Path file = run.dir().resolve(Run.CHECKPOINT);
        run.restore(t.model(), Run.WEIGHTS);
        if (t.ema() != null) {
            setAll(run, file, Run.EMA, t.model(), t.ema().shadow());
        }
        List<Double> stds = t.optimiser().emaStds();
        for (int i = 0; i < stds.size(); i++) {
            setAll(run, file, Run.powerEma(stds.get(i)), t.model(), t.powerEmas().get(i).shadow());
        }
        setAll(run, file, ADAM_M, t.model(), t.optimizer().firstMoments().get(0));
        setAll(run, file, ADAM_V, t.model(), t.optimizer().secondMoments().get(0));
        JsonObject s = run.stateSection();
        try {
            t.optimizer().setStepCount(s.get("adam_step").getAsLong());
            if (t.ema() != null) {
                t.ema().setUpdates(s.get("ema_updates").getAsLong());
            }
            for (Ema p : t.powerEmas()) {
                p.setUpdates(s.get("power_ema_updates").getAsLong());
            }
            JsonArray r = s.getAsJsonArray("rng");
            long[] rs = new long[r.size()];
            for (int i = 0; i < rs.length; i++) {
                rs[i] = r.get(i).getAsLong();
            }
            t.rng().restore(rs);
            int[] order = null;
            Tensor o = run.checkpoint().tensors().get(ORDER);
            if (o != null) {
                order = new int[o.data().length];
                for (int i = 0; i < order.length; i++) {
                    order[i] = (int) o.data()[i];
                }
            }
            t.restoreCounters(s.get("step").getAsLong(), s.get("total_steps").getAsLong(), s.get("epoch").getAsInt(),
                    s.get("cursor").getAsInt(), order, s.get("train_seconds").getAsDouble(), s.get("skipped").getAsLong());
            t.restoreBudget(s.has("wall_seconds") ? s.get("wall_seconds").getAsDouble() : s.get("train_seconds").getAsDouble(),
                    s.has("planned_seconds") ? s.get("planned_seconds").getAsDouble() : Double.NaN);
        } catch (RuntimeException e) {
            if (e instanceof DdpmException) {
                throw e;
            }
            throw new DdpmException(file + ": checkpoint has no resumable training state (" + e.getMessage() + ")");
        }
    }

    private static void setAll(Run run, Path file, String prefix, Denoiser model, NDArray flat) {
        List<Denoiser.NamedParameter> ps = model.parameters();
        List<float[]> parts = new java.util.ArrayList<>(ps.size());
        for (int i = 0; i < ps.size(); i++) {
            Tensor tensor = run.checkpoint().tensor(prefix + ps.get(i).name(), file);
            long[] expected = model.flatWeights().shapes().get(i).getShape();
            if (!java.util.Arrays.equals(expected, tensor.shape())) {
                throw new DdpmException(file + ": " + prefix + ps.get(i).name() + " has shape " + java.util.Arrays.toString(tensor.shape())
                        + ", expected " + java.util.Arrays.toString(expected));
            }
            parts.add(tensor.data());
        }
        Tensors.copyInto(flat, model.flatWeights().flatten(parts));
    }
}
