package org.ddpm4j.checkpoint;

import com.google.gson.JsonObject;
import java.util.Optional;
import org.ddpm4j.DdpmException;

/**
 * How a student run was distilled from its teacher, as stored under {@code distill} in its checkpoint: the run
 * samples with deterministic DDIM at {@link #steps()} trailing time points, its guidance distilled in.
 *
 * @param method {@code progressive}
 * @param teacher the teacher's run directory (absolute)
 * @param teacherStep the training step of the teacher's checkpoint
 * @param teacherSteps the teacher's DDIM steps in the first round
 * @param rounds the halvings planned: the student ends at {@code teacherSteps / 2^rounds} steps
 * @param guidance the teacher's classifier-free guidance scale the student learned (0: none)
 * @param round the round the student's weights have reached (0-based)
 */
public record Distilled(String method, String teacher, long teacherStep, int teacherSteps, int rounds, double guidance, int round) {

    /** The metadata key of this section. */
    public static final String KEY = "distill";

    /** The DDIM steps the student's weights sample at now: those of its current round. */
    public int steps() {
        return teacherSteps >> (round + 1);
    }

    /** The DDIM steps the student samples at once every round is done. */
    public int finalSteps() {
        return teacherSteps >> rounds;
    }

    /** This section with the round reached. */
    public Distilled atRound(int r) {
        return new Distilled(method, teacher, teacherStep, teacherSteps, rounds, guidance, r);
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
                    o.get("teacher_steps").getAsInt(), o.get("rounds").getAsInt(), o.get("guidance").getAsDouble(), o.get("round").getAsInt());
            if (d.round() < 0 || d.round() >= d.rounds() || d.steps() < 1) {
                throw new IllegalArgumentException("round " + d.round() + " of " + d.rounds());
            }
            return Optional.of(d);
        } catch (RuntimeException e) {
            throw new DdpmException(run.dir().resolve(Run.CHECKPOINT) + ": damaged distill section (" + e.getMessage() + ")");
        }
    }
}
