package org.ddpm4j.diffusion;

import org.ddpm4j.DdpmException;
import org.ddpm4j.schedule.NoiseSchedule;

/**
 * Immutable description of the diffusion process: schedule family, T, beta range (linear only) and the
 * network's prediction target. In a checkpoint it is stored as JSON with the schedule and the target in
 * lower case ({@code "linear"}, {@code "v"}), as every checkpoint since the first has it.
 */
public record DiffusionConfig(NoiseSchedule.Kind schedule, int steps, double betaStart, double betaEnd, Prediction prediction) {

    public DiffusionConfig {
        if (schedule == null) {
            throw new DdpmException("unknown schedule (expected linear, cosine or sigmoid)");
        }
        if (prediction == null) {
            throw new DdpmException("unknown prediction target (expected eps, x0 or v)");
        }
        if (steps < 1 || steps > 100_000) {
            throw new DdpmException("diffusion steps must be in 1..100000, got " + steps);
        }
        if (!(betaStart > 0 && betaEnd < 1 && betaStart <= betaEnd)) {
            throw new DdpmException("beta range must satisfy 0 < start <= end < 1, got " + betaStart + ".." + betaEnd);
        }
    }

    /** The process named as the CLI spells it: {@code schedule} linear, cosine or sigmoid; {@code prediction} eps, x0 or v. */
    public static DiffusionConfig of(String schedule, int steps, double betaStart, double betaEnd, String prediction) {
        return new DiffusionConfig(NoiseSchedule.Kind.parse(schedule), steps, betaStart, betaEnd, Prediction.parse(prediction));
    }

    /** The seed's process: linear 1e-4 .. 0.02, T = 1000, eps prediction. */
    public static DiffusionConfig seed() {
        return new DiffusionConfig(NoiseSchedule.Kind.LINEAR, 1000, 1e-4, 0.02, Prediction.EPS);
    }

    public NoiseSchedule buildSchedule() {
        return schedule == NoiseSchedule.Kind.LINEAR ? NoiseSchedule.linear(steps, betaStart, betaEnd) : NoiseSchedule.of(schedule, steps);
    }

    public GaussianDiffusion build() {
        return new GaussianDiffusion(buildSchedule(), prediction);
    }
}
