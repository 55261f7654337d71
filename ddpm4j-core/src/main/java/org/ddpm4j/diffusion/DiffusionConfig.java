package org.ddpm4j.diffusion;

import org.ddpm4j.DdpmException;
import org.ddpm4j.schedule.NoiseSchedule;

/**
 * Immutable description of the diffusion process: schedule family, T, beta range (linear only) and the
 * network's prediction target.
 */
public record DiffusionConfig(String schedule, int steps, double betaStart, double betaEnd, String prediction) {

    public DiffusionConfig {
        NoiseSchedule.Kind.parse(schedule);
        Prediction.parse(prediction);
        if (steps < 1 || steps > 100_000) {
            throw new DdpmException("diffusion steps must be in 1..100000, got " + steps);
        }
        if (!(betaStart > 0 && betaEnd < 1 && betaStart <= betaEnd)) {
            throw new DdpmException("beta range must satisfy 0 < start <= end < 1, got " + betaStart + ".." + betaEnd);
        }
    }

    /** The seed's process: linear 1e-4 .. 0.02, T = 1000, eps prediction. */
    public static DiffusionConfig seed() {
        return new DiffusionConfig("linear", 1000, 1e-4, 0.02, "eps");
    }

    public NoiseSchedule buildSchedule() {
        NoiseSchedule.Kind kind = NoiseSchedule.Kind.parse(schedule);
        return kind == NoiseSchedule.Kind.LINEAR ? NoiseSchedule.linear(steps, betaStart, betaEnd) : NoiseSchedule.of(kind, steps);
    }

    public GaussianDiffusion build() {
        return new GaussianDiffusion(buildSchedule(), Prediction.parse(prediction));
    }
}
