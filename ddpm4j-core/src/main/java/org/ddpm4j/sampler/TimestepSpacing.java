package org.ddpm4j.sampler;

import java.util.Locale;
import org.ddpm4j.DdpmException;

/**
 * How K sampling steps are placed among the T training timesteps (the three choices of diffusers and of
 * "Common Diffusion Noise Schedules and Sample Steps are Flawed", arXiv 2305.08891, table 2).
 * Every result is strictly decreasing, starts at or below T-1 and ends at or above 0.
 */
public enum TimestepSpacing {
    /** round(linspace(0, T-1, K)), reversed: always includes T-1 and 0. */
    LINSPACE,
    /** (0, r, 2r, ...) with r = T div K, reversed (DDIM's original spacing): includes 0, not T-1. */
    LEADING,
    /** round(T, T-r, ...) - 1 with r = T / K: includes T-1. */
    TRAILING;

    public static TimestepSpacing parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new DdpmException("unknown timestep spacing '" + s + "' (expected linspace, leading or trailing)");
        }
    }

    /** The K timesteps to visit, in decreasing order. */
    public int[] timesteps(int trainSteps, int numSteps) {
        if (numSteps < 1 || numSteps > trainSteps) {
            throw new org.ddpm4j.SettingException("steps", "must be in 1.." + trainSteps + ", got " + numSteps);
        }
        int[] out = new int[numSteps];
        switch (this) {
            case LINSPACE:
                for (int i = 0; i < numSteps; i++) {
                    double v = numSteps == 1 ? 0 : (double) (trainSteps - 1) * i / (numSteps - 1);
                    out[numSteps - 1 - i] = (int) Math.rint(v);
                }
                if (numSteps == 1) {
                    out[0] = trainSteps - 1;
                }
                break;
            case LEADING:
                int r = trainSteps / numSteps;
                for (int i = 0; i < numSteps; i++) {
                    out[numSteps - 1 - i] = i * r;
                }
                break;
            case TRAILING:
                double ratio = (double) trainSteps / numSteps;
                for (int i = 0; i < numSteps; i++) {
                    out[i] = (int) Math.rint(trainSteps - i * ratio) - 1;
                }
                break;
            default:
                throw new IllegalStateException();
        }
        return out;
    }
}
