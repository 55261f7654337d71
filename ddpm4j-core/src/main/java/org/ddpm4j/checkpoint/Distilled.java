package org.ddpm4j.checkpoint;

import com.google.gson.JsonObject;
import java.util.Optional;
import org.ddpm4j.DdpmException;

/**
 * How a student run was distilled from its teacher, as stored under {@code distill} in its checkpoint, its
 * guidance distilled in. A {@code progressive} student samples with deterministic DDIM at exactly
 * {@link #steps()} trailing time points; a {@code consistency} student samples with the consistency sampler at
 * any count from 1 to {@link #steps()} (its grid), on the trailing time points of that count.
 *
 * @param method {@code progressive} or {@code consistency}
 * @param teacher the teacher's run directory (absolute)
 * @param teacherStep the training step of the teacher's checkpoint
 * @param teacherSteps the teacher's DDIM steps: in the first round (progressive), or over its whole trajectory
 *     across the grid (consistency)
 * @param rounds the halvings planned: the student ends at {@code teacherSteps / 2^rounds} steps (1 for consistency)
 * @param guidance the teacher's classifier-free guidance scale the student learned (0: none)
 * @param round the round the student's weights have reached (0-based; 0 for consistency)
 * @param points the consistency grid's time points (0 for progressive)
 */
public record Distilled(String method, String teacher, long teacherStep, int teacherSteps, int rounds, double guidance, int round,
        int points) {

    /** The metadata key of this section. */
    public static final String KEY = "distill";
    /** Progressive distillation's name. */
    public static final String PROGRESSIVE = "progressive";
    /** Consistency distillation's name. */
    public static final String CONSISTENCY = "consistency";

    /** True for a consistency student, which samples at any step count up to its grid's. */
    public boolean consistency() {
        return CONSISTENCY.equals(method);
    }

    /**
     * The steps the student's weights sample at by default: those of its current round (progressive, the only
     * count it supports), or its grid's (consistency, the most it supports).
     */
    public int steps() {
        return consistency() ? points : teacherSteps >> (round + 1);
    }

    /** The steps the student samples at once every round is done. */
    public int finalSteps() {
        return consistency() ? points : teacherSteps >> rounds;
    }

    /** True if the student samples at {@code k} steps. */
    public boolean supports(int k) {
        return consistency() ? k >= 1 && k <= points : k == steps();
    }

    /** The step counts the student supports, as a message says them: {@code 4}, or {@code 1 to 4}. */
    public String supported() {
        return consistency() && points > 1 ? "1 to " + points : Integer.toString(steps());
    }

    /** This section with the round reached. */
    public Distilled atRound(int r) {
        return new Distilled(method, teacher, teacherStep, teacherSteps, rounds, guidance, r, points);
    }

    /** The section as written into a checkpoint's metadata. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("method", method);
        o.addProperty("teacher", teacher);
        o.addProperty("teacher_step", teacherStep);
        o.addProperty("teacher_steps", teacherSteps);
        o.addProperty("rounds", rounds);
        o.addProperty("guidance", guidance);
        o.addProperty("round", round);
        if (consistency()) {
            o.addProperty("points", points);
        }
        o.addProperty("steps", steps()); // for a reader of config.json
        return o;
    }

    /** The section of a run's metadata, if it is a distilled student. */
    public static Optional<Distilled> of(Run run) {
        JsonObject meta = run.checkpoint().meta();
        if (!meta.has(KEY) || !meta.get(KEY).isJsonObject()) {
            return Optional.empty();
        }
        JsonObject o = meta.getAsJsonObject(KEY);
        try {
            Distilled d = new Distilled(o.get("method").getAsString(), o.get("teacher").getAsString(), o.get("teacher_step").getAsLong(),
                    o.get("teacher_steps").getAsInt(), o.get("rounds").getAsInt(), o.get("guidance").getAsDouble(), o.get("round").getAsInt(),
                    o.has("points") ? o.get("points").getAsInt() : 0);
            if (!d.method().equals(PROGRESSIVE) && !d.consistency()) {
                throw new IllegalArgumentException("unknown method " + d.method());
            }
            if (d.round() < 0 || d.round() >= d.rounds() || d.steps() < 1) {
                throw new IllegalArgumentException("round " + d.round() + " of " + d.rounds());
            }
            return Optional.of(d);
        } catch (RuntimeException e) {
            throw new DdpmException(run.dir().resolve(Run.CHECKPOINT) + ": damaged distill section (" + e.getMessage() + ")");
        }
    }
}
