package org.ddpm4j.spark;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.ddpm4j.api.DiffusionModel;

/**
 * What an executor keeps between its tasks: the runs it has opened and the meters it has loaded. A model is not
 * thread-safe, so a task borrows one for its whole work and gives it back; an executor running k tasks at once
 * opens a run at most k times, then reuses those copies for every later task of the job (and of later jobs in
 * the same JVM). With Spark's usual one task per core, that is once per core, never once per task.
 */
final class ExecutorModels {

    private static final Map<String, Deque<Object>> FREE = new HashMap<>();
    private static final Map<String, Integer> OPENED = new HashMap<>();
    private static volatile int torchThreads;

    private ExecutorModels() {}

    /** Sets PyTorch's intra-op threads of this JVM once (one per task: Spark runs a task per core). */
    static synchronized void threads(int n) {
        if (torchThreads != n) {
            ai.djl.engine.Engine.getInstance();
            ai.djl.pytorch.jni.JniUtils.setNumThreads(n);
            ai.djl.pytorch.jni.JniUtils.setNumInteropThreads(1);
            torchThreads = n;
        }
    }

    /** Runs {@code body} with a model of {@code run} (opened with {@code weights}), borrowed for its duration. */
    static <T> T withModel(Path run, DiffusionModel.Weights weights, java.util.function.Function<DiffusionModel, T> body) {
        String key = "model " + run.toAbsolutePath().normalize() + " " + weights;
        DiffusionModel m = (DiffusionModel) borrow(key, () -> DiffusionModel.open(run, weights));
        try {
            return body.apply(m);
        } finally {
            giveBack(key, m);
        }
    }

    /** Runs {@code body} with the meter of {@code model}'s data, borrowed for its duration. */
    static <T> T withScorer(DiffusionModel model, int meter, java.util.function.Function<DiffusionModel.Scorer, T> body) {
        String key = "scorer " + model.dataSpec() + " " + meter;
        DiffusionModel.Scorer s = (DiffusionModel.Scorer) borrow(key, () -> model.scorer(meter, System.err));
        try {
            return body.apply(s);
        } finally {
            giveBack(key, s);
        }
    }

    /** How many times this JVM has opened {@code run} with {@code weights} (for the job's report and the tests). */
    static synchronized int opened(Path run, DiffusionModel.Weights weights) {
        return OPENED.getOrDefault("model " + run.toAbsolutePath().normalize() + " " + weights, 0);
    }

    private static Object borrow(String key, Supplier<Object> open) {
        synchronized (ExecutorModels.class) {
            Deque<Object> free = FREE.get(key);
            if (free != null && !free.isEmpty()) {
                return free.pop();
            }
            OPENED.merge(key, 1, Integer::sum);
        }
        return open.get(); // outside the lock: another task may load another copy meanwhile
    }

    private static synchronized void giveBack(String key, Object o) {
        FREE.computeIfAbsent(key, k -> new ArrayDeque<>()).push(o);
    }

    /** Closes every model and meter this JVM keeps (the end of an embedded job's session). */
    static synchronized void closeAll() {
        for (Deque<Object> d : FREE.values()) {
            for (Object o : d) {
                if (o instanceof DiffusionModel m) {
                    m.close();
                } else if (o instanceof DiffusionModel.Scorer sc) {
                    sc.close();
                }
            }
        }
        FREE.clear();
        OPENED.clear();
    }
}
