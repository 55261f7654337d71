package org.ddpm4j.api;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.Distilled;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.checkpoint.Tensor;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.train.ConsistencyDistillation;
import org.ddpm4j.train.ProgressiveDistillation;
import org.ddpm4j.train.TeacherTask;
import org.ddpm4j.train.TrainingTask;
import org.ddpm4j.util.Tensors;

/**
 * Distilling a trained run into a student that samples in a few network calls: progressive distillation
 * (Salimans and Ho, arXiv 2202.00512; see {@link ProgressiveDistillation}) or consistency distillation (Song et
 * al., arXiv 2303.01469; see {@link ConsistencyDistillation}). The student starts from the teacher's weights (the
 * ones {@code sample} uses: the meter's choice, else the EMA), the teacher stays a frozen copy, and a class-conditional teacher's guidance
 * is distilled in. The student is a normal run directory, checkpointed, resumable and logged like a trained one;
 * {@link DiffusionModel} samples a progressive student with deterministic DDIM at its step count, a consistency
 * student with the consistency sampler at 1 to its grid's steps, both without guidance.
 *
 * <pre>{@code
 * Distillation.Plan plan = Distillation.from(Path.of("runs/digits")).steps(4).minutes(30).plan();
 * Distillation.run(plan, Path.of("runs/digits-4"), TrainingListener.console(System.out, System.err));
 * }</pre>
 */
public final class Distillation {

    private Distillation() {}

    /** Progressive distillation, the default method. */
    public static final String PROGRESSIVE = Distilled.PROGRESSIVE;
    /** Consistency distillation. */
    public static final String CONSISTENCY = Distilled.CONSISTENCY;
    /** The student's DDIM steps when none are asked for. */
    public static final int STEPS = 4;
    /**
     * The teacher's DDIM steps when none are asked for (at least twice the student's): in the first round of a
     * progressive distillation (two rounds down to {@link #STEPS}), or across a consistency student's grid (four
     * teacher steps per interval of a grid of {@link #STEPS}).
     */
    public static final int TEACHER_STEPS = 16;
    /** The learning rate when none is asked for. */
    public static final double LR = 2e-4;
    /** The sub-directory of a student that keeps the student of each finished round, as a run of its own: {@code rounds/K}. */
    public static final String ROUNDS = "rounds";
    /** The time budget when none is asked for. */
    public static final double MINUTES = 30;

    /**
     * A distillation, resolved and validated.
     *
     * @param training the student's run: the teacher's network and diffusion, the distillation's training settings
     * @param distilled what the student's checkpoint records of its teacher and rounds
     */
    public record Plan(Training.Plan training, Distilled distilled) {}

    /** A distillation of the run in {@code teacher}, every setting at its default until set. */
    public static Builder from(Path teacher) {
        return new Builder(teacher);
    }

    /** The plan stored in a student's run directory, to continue it from its last checkpoint. */
    public static Plan resumePlan(Path out) {
        Run run = Run.open(out);
        Distilled d = Distilled.of(run).orElseThrow(() -> new DdpmException(out + " is not a distilled run (it has no distill section)"));
        Run.Cadence c = run.cadence();
        return new Plan(new Training.Plan(run.model(), run.diffusion(), run.train(), c.sampleEvery(), c.checkpointEvery(), 0), d);
    }

    /** Settings of a distillation; {@link #plan} validates them once and names the first one out of range. */
    public static final class Builder {
        private final Path teacher;
        private String method = PROGRESSIVE;
        private int steps = STEPS;
        private Integer teacherSteps;
        private Double minutes;
        private Long updates;
        private Integer batch;
        private double lr = LR;
        private Double guidance;
        private long seed;
        private int sampleEvery = 200;
        private int checkpointEvery = 200;
        private boolean skipNonFinite;

        private Builder(Path teacher) {
            this.teacher = teacher;
        }

        /** {@code progressive} (the default) or {@code consistency}. */
        public Builder method(String m) {
            this.method = m;
            return this;
        }

        /**
         * The student's steps: its DDIM steps at the end (progressive: the teacher's steps divided by a power of 2),
         * or its grid, the most steps it samples with (consistency).
         */
        public Builder steps(int k) {
            this.steps = k;
            return this;
        }

        /**
         * The teacher's DDIM steps: in the first round, the student's steps times 2^rounds (progressive), or across
         * the whole grid, a multiple of the student's steps (consistency).
         */
        public Builder teacherSteps(int n) {
            this.teacherSteps = n;
            return this;
        }

        public Builder minutes(double m) {
            this.minutes = m;
            return this;
        }

        /** A fixed number of updates instead of a time budget. */
        public Builder updates(long n) {
            this.updates = n;
            return this;
        }

        public Builder batch(int b) {
            this.batch = b;
            return this;
        }

        public Builder lr(double lr) {
            this.lr = lr;
            return this;
        }

        /** The teacher's classifier-free guidance scale, distilled into the student (default {@link Defaults#GUIDANCE}). */
        public Builder guidance(double w) {
            this.guidance = w;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder sampleEvery(int steps) {
            this.sampleEvery = steps;
            return this;
        }

        public Builder checkpointEvery(int steps) {
            this.checkpointEvery = steps;
            return this;
        }

        public Builder skipNonFinite(boolean on) {
            this.skipNonFinite = on;
            return this;
        }

        /**
         * Opens the teacher and resolves every setting.
         *
         * @throws InvalidRequestException naming the first setting out of range
         * @throws DdpmException if the teacher cannot be read
         */
        public Plan plan() {
            try {
                return validated();
            } catch (org.ddpm4j.SettingException e) {
                throw InvalidRequestException.of(e);
            }
        }

        private Plan validated() {
            if (!PROGRESSIVE.equals(method) && !CONSISTENCY.equals(method)) {
                throw new InvalidRequestException("method", "unknown {method} '" + method + "' (available: " + PROGRESSIVE + ", "
                        + CONSISTENCY + ")");
            }
            boolean consistency = CONSISTENCY.equals(method);
            Run run = Run.open(teacher);
            if (Distilled.of(run).isPresent()) {
                throw new InvalidRequestException("run", teacher + " is itself a distilled student; distill its teacher "
                        + Distilled.of(run).get().teacher() + " to fewer {steps}");
            }
            int tSteps = run.diffusion().steps();
            InvalidRequestException.range("steps", steps, 1, tSteps / 2);
            int n = teacherSteps != null ? teacherSteps : Math.max(TEACHER_STEPS, 2 * steps);
            int rounds;
            if (consistency) {
                rounds = 1;
                if (n % steps != 0 || n > tSteps) {
                    throw new InvalidRequestException("teacher-steps", "{teacher-steps} must be a multiple of {steps} (" + steps + ") within "
                            + tSteps + ", got " + n);
                }
                ConsistencyDistillation.check(steps, n / steps, tSteps);
            } else {
                rounds = Integer.numberOfTrailingZeros(Math.max(1, n / steps));
                if (n % steps != 0 || Integer.bitCount(n / steps) != 1 || n / steps < 2) {
                    throw new InvalidRequestException("teacher-steps", "{teacher-steps} must be {steps} (" + steps + ") times a power of 2 (2, 4, 8, ...), got " + n);
                }
                ProgressiveDistillation.check(n, rounds, tSteps);
            }
            if (minutes != null && updates != null) {
                throw new InvalidRequestException("budget", "give {minutes} or {updates}, not both");
            }
            if (minutes != null && !(minutes > 0)) {
                throw new InvalidRequestException("minutes", "must be > 0, got " + minutes);
            }
            if (updates != null && updates < rounds) {
                throw new InvalidRequestException("updates", "must be at least one per round (" + rounds + "), got " + updates);
            }
            if (!(lr > 0 && lr < 1)) {
                throw new InvalidRequestException("lr", "must be in (0, 1), got " + lr);
            }
            double w = guidance != null ? guidance : run.model().conditional() ? Defaults.GUIDANCE : 0;
            InvalidRequestException.range("guidance", w, 0, org.ddpm4j.pipeline.Guidance.MAX_WEIGHT);
            if (w > 0 && !run.model().conditional()) {
                throw new InvalidRequestException("guidance", "the teacher is not class-conditional: there is no guidance to distil");
            }
            if (sampleEvery < 0 || checkpointEvery < 0) {
                throw new InvalidRequestException(sampleEvery < 0 ? "sample-every" : "checkpoint-every",
                        "{sample-every} and {checkpoint-every} must be >= 0");
            }
            TrainConfig t = run.train();
            com.google.gson.JsonElement recorded = run.checkpoint().meta().get(Run.DATA_PATH);
            String spec = Run.resolveDataSpec(t.data().spec(), recorded == null || recorded.isJsonNull() ? null : recorded.getAsString(),
                    Path.of("").toAbsolutePath());
            TrainConfig tc = new TrainConfig(
                    new TrainConfig.Data(spec, t.data().digit(), t.data().size(), t.data().channels(), t.data().hflip()),
                    updates != null ? TrainConfig.Budget.steps(updates) : TrainConfig.Budget.minutes(minutes != null ? minutes : MINUTES),
                    new TrainConfig.Optimiser(batch != null ? batch : t.optimiser().batchSize(), lr, 20, false, 0, 1.0, 0),
                    new TrainConfig.Objective(0, skipNonFinite), t.conditioning(), seed);
            Distilled d = new Distilled(method, teacher.toAbsolutePath().normalize().toString(), run.stateSection().has("step")
                    ? run.stateSection().get("step").getAsLong() : 0, n, rounds, w, 0, consistency ? steps : 0);
            return new Plan(new Training.Plan(run.model(), run.diffusion(), tc, sampleEvery, checkpointEvery, 0), d);
        }
    }

    /**
     * Distils (or, with {@code resume}, continues distilling) into the run directory {@code out}.
     *
     * @param plan from {@link Builder#plan} (or {@link #resumePlan} when resuming)
     * @param listener progress, messages and cancellation
     */
    public static Training.Outcome run(Plan plan, Path out, boolean resume, TrainingListener listener) {
        return run(plan, out, resume, listener, Long.MAX_VALUE);
    }

    /** As {@link #run(Plan, Path, boolean, TrainingListener)}, stopping after step {@code stopAfter} as if killed: a testing aid. */
    public static Training.Outcome run(Plan plan, Path out, boolean resume, TrainingListener listener, long stopAfter) {
        if (!resume && out.toAbsolutePath().normalize().toString().equals(plan.distilled().teacher())) {
            throw new InvalidRequestException("out", "the student cannot overwrite its teacher " + plan.distilled().teacher());
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            return Training.run(plan.training(), out, resume, listener, stopAfter, new Job(plan, manager));
        }
    }

    /** A distillation as a {@link Training.Job}: the teacher's network lives in {@code manager}. */
    private static final class Job implements Training.Job {
        private final Plan plan;
        private final NDManager manager;
        private Denoiser teacher;
        private TeacherTask task;
        private ProgressiveDistillation progressive; // null for a consistency distillation

        Job(Plan plan, NDManager manager) {
            this.plan = plan;
            this.manager = manager;
        }

        @Override
        public TrainingTask task(Denoiser net, GaussianDiffusion diffusion, TrainConfig tc, Run resumed) {
            Distilled d = plan.distilled();
            if (resumed != null) {
                teacher = Denoiser.create(net.config(), manager, new org.ddpm4j.util.Rng(0));
                if (!resumed.hasTensors(TeacherTask.TEACHER)) {
                    throw new DdpmException(resumed.dir().resolve(Run.CHECKPOINT) + ": no teacher weights to resume the distillation with");
                }
            } else {
                Run t = Run.open(Path.of(d.teacher()));
                teacher = t.loadModel(manager, WeightChoice.bestPrefix(t));
            }
            boolean clip = Defaults.sampler(net.config()).clipX0();
            if (d.consistency()) {
                task = new ConsistencyDistillation(net, teacher, diffusion, tc, d.points(), d.teacherSteps() / d.points(), d.guidance(), clip);
            } else {
                progressive = new ProgressiveDistillation(net, teacher, diffusion, tc, d.teacherSteps(), d.rounds(), d.guidance(), clip);
                task = progressive;
            }
            if (resumed != null) {
                task.restoreTeacher(resumed);
                if (progressive != null) {
                    progressive.restoreRound(Distilled.of(resumed).orElseThrow().round());
                }
            }
            return task;
        }

        @Override
        public void start(Denoiser net) {
            for (int i = 0; i < net.parameters().size(); i++) {
                Tensors.copyInto(net.parameters().get(i).array(), teacher.parameters().get(i).array().toFloatArray());
            }
        }

        @Override
        public boolean fixedModel() {
            return true;
        }

        @Override
        public void beforeSave(JsonObject extra) {
            extra.add(Distilled.KEY, plan.distilled().atRound(progressive == null ? 0 : progressive.round()).toJson());
        }

        @Override
        public Map<String, Tensor> tensors() {
            return task.stateTensors();
        }

        @Override
        public int previewSteps(ModelConfig mc, DiffusionConfig dc, long step, long total) {
            return progressive == null ? plan.distilled().points() : progressive.studentSteps(progressive.roundOf(step - 1, total));
        }

        /** After the last step of every round but the last: that round's student, in {@code rounds/K}. */
        @Override
        public String snapshot(long step, long total) {
            if (progressive == null) {
                return null;
            }
            int r = progressive.roundOf(step - 1, total);
            if (total <= 0 || step >= total || progressive.roundOf(step, total) == r) {
                return null;
            }
            return ROUNDS + "/" + progressive.studentSteps(r);
        }

        @Override
        public String describe(ModelConfig mc, Denoiser net, ImageSet data, TrainConfig tc) {
            Distilled d = plan.distilled();
            String how = d.consistency()
                    ? String.format(Locale.ROOT, "consistency: a grid of %d time points, %d teacher DDIM steps", d.points(), d.teacherSteps())
                    : String.format(Locale.ROOT, "progressive: %d -> %d DDIM steps in %d rounds", d.teacherSteps(), d.finalSteps(), d.rounds());
            return String.format(Locale.ROOT, "distilling %s (%s%s) on %,d images of %s, %s of batch %d",
                    d.teacher(), how, d.guidance() > 0 ? ", guidance " + d.guidance() + " distilled in" : "",
                    data.size(), data.description(), tc.budget(), tc.optimiser().batchSize());
        }
    }
}
