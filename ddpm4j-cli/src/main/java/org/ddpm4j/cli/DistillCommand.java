package org.ddpm4j.cli;

import static org.ddpm4j.cli.DataOptions.set;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.Distillation;
import org.ddpm4j.api.Training;
import org.ddpm4j.api.TrainingListener;
import org.ddpm4j.checkpoint.Run;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ./ddpm distill}: distils a trained run into a student that samples in a few network calls. */
@Command(name = "distill", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Distil a trained run (the teacher) into a student run that samples in --steps network calls. "
                + "progressive (Salimans and Ho 2022): each round halves the DDIM steps, the student of one round teaching "
                + "the next; the student samples with DDIM at exactly K steps. consistency (Song et al. 2023): the student "
                + "learns to jump to the end of the teacher's trajectory from K time points; it samples with the consistency "
                + "sampler at 1 to K steps. A conditional teacher's guidance is distilled in. The student is a normal run: "
                + "sample, eval and serve it; resume it like a training.")
final class DistillCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--run", paramLabel = "TEACHER", description = "The trained run to distil (unchanged).")
    Path run;

    @Option(names = "--out", required = true, paramLabel = "STUDENT", description = "Run directory of the student to write.")
    Path out;

    @Option(names = "--resume", description = "Continue the distillation in --out exactly where its last checkpoint left it.")
    boolean resume;

    @Option(names = "--method", description = "Distillation method: " + Distillation.PROGRESSIVE + " or " + Distillation.CONSISTENCY + ". Default: "
            + Distillation.PROGRESSIVE + ".")
    String method;

    @Option(names = "--steps", paramLabel = "K", description = "The student's network calls per image: its DDIM steps (progressive) or its grid's time points, the "
            + "most it samples with (consistency). Default: " + Distillation.STEPS + ".")
    Integer steps;

    @Option(names = "--teacher-steps", paramLabel = "N", description = "The teacher's DDIM steps: in the first round, K times a power of 2 "
            + "(progressive: log2(N/K) rounds), or across the grid, a multiple of K (consistency: N/K per interval). Default: "
            + "the larger of " + Distillation.TEACHER_STEPS + " and 2K.")
    Integer teacherSteps;

    @Option(names = "--minutes", description = "Budget: minutes of distillation, split evenly over the rounds. Default: "
            + "30.")
    Double minutes;

    @Option(names = "--updates", description = "Budget: a fixed number of optimizer steps instead of --minutes.")
    Long updates;

    @Option(names = "--batch", description = "Batch size (default: the teacher's).")
    Integer batch;

    @Option(names = "--lr", description = "Peak learning rate, decayed linearly to 0 in each round. Default: 2e-4.")
    Double lr;

    @Option(names = "--guidance", description = "The teacher's classifier-free guidance scale, distilled into the student "
            + "(conditional teachers). Default: the teacher's default, 0.25.")
    Double guidance;

    @Option(names = "--sample-every", description = "Write a 4x4 grid of the student every N steps. Default: 200.")
    Integer sampleEvery;

    @Option(names = "--checkpoint-every", description = "Write the checkpoint every N steps (0 = only at the end). Default: 200.")
    Integer checkpointEvery;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--skip-nonfinite", description = "Skip batches whose loss is NaN or infinite instead of stopping.")
    boolean skipNonFinite;

    @Option(names = "--force", description = "Overwrite a run directory that already holds a checkpoint.")
    boolean force;

    @Option(names = "--stop-after", hidden = true, description = "Testing aid: stop after this step as if killed (no final save).")
    Long stopAfter;

    @Override
    public Integer call() {
        Distillation.Plan plan;
        if (resume) {
            plan = Distillation.resumePlan(out);
        } else {
            if (run == null) {
                throw new DdpmException("give the teacher with --run (or --resume to continue the student in --out)");
            }
            if (Run.exists(out) && !force) {
                throw new DdpmException(out + " already holds a run; choose another --out, pass --resume to continue it, or --force to overwrite it");
            }
            Distillation.Builder b = Distillation.from(run).seed(seed).skipNonFinite(skipNonFinite);
            set(method, b::method);
            set(steps, b::steps);
            set(teacherSteps, b::teacherSteps);
            set(minutes, b::minutes);
            set(updates, b::updates);
            set(batch, b::batch);
            set(lr, b::lr);
            set(guidance, b::guidance);
            set(sampleEvery, b::sampleEvery);
            set(checkpointEvery, b::checkpointEvery);
            plan = b.plan();
        }
        try {
            Distillation.run(plan, out, resume, TrainingListener.console(main.out, main.err), stopAfter == null ? Long.MAX_VALUE : stopAfter);
        } catch (Training.Stopped e) {
            main.out.println("stopped after step " + stopAfter + " (--stop-after)");
            return 0;
        }
        main.out.println("student written to " + out + ": ./ddpm sample --run " + out);
        return 0;
    }
}
