package org.ddpm4j.schedule;

import java.util.Locale;

/**
 * The forward-process variance schedule: beta_t, alpha_t = 1 - beta_t and alphaBar_t = prod_{s<=t} alpha_s,
 * computed once in double precision for t = 0 .. T-1 (the seed's zero-based indexing: t = 0 is the
 * least noisy step).
 *
 * <p>DDPM (arXiv 2006.11239) uses the linear schedule 1e-4 .. 0.02 with T = 1000.
 */
public final class NoiseSchedule {

    /** Schedule families. */
    public enum Kind {
        @com.google.gson.annotations.SerializedName(value = "linear", alternate = "LINEAR") LINEAR,
        @com.google.gson.annotations.SerializedName(value = "cosine", alternate = "COSINE") COSINE,
        @com.google.gson.annotations.SerializedName(value = "sigmoid", alternate = "SIGMOID") SIGMOID;

        /** The name as the CLI and the checkpoint spell it: {@code linear}, {@code cosine} or {@code sigmoid}. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new org.ddpm4j.DdpmException(
                        "unknown schedule '" + s + "' (expected linear, cosine or sigmoid)");
            }
        }
    }

    private final Kind kind;
    private final double[] betas;
    private final double[] alphas;
    private final double[] alphaBars;

    private NoiseSchedule(Kind kind, double[] betas) {
        this.kind = kind;
        this.betas = betas;
        int n = betas.length;
        alphas = new double[n];
        alphaBars = new double[n];
        double prod = 1.0;
        for (int t = 0; t < n; t++) {
            if (!(betas[t] > 0 && betas[t] < 1)) {
                throw new IllegalArgumentException("beta_" + t + " = " + betas[t] + " is outside (0, 1)");
            }
            alphas[t] = 1.0 - betas[t];
            prod *= alphas[t];
            alphaBars[t] = prod;
        }
    }

    /** The seed's schedule: linear 1e-4 .. 0.02 over T = 1000 steps. */
    public static NoiseSchedule seedDefault() {
        return linear(1000, 1e-4, 0.02);
    }

    /** beta_t = start + (end - start) * t / (T - 1), as {@code torch.linspace(start, end, T)}. */
    public static NoiseSchedule linear(int steps, double betaStart, double betaEnd) {
        checkSteps(steps);
        double[] b = new double[steps];
        for (int t = 0; t < steps; t++) {
            b[t] = steps == 1 ? betaStart : betaStart + (betaEnd - betaStart) * t / (steps - 1);
        }
        return new NoiseSchedule(Kind.LINEAR, b);
    }

    /**
     * Improved DDPM's cosine schedule (arXiv 2102.09672, eq. 17): alphaBar(t) = f(t)/f(0) with
     * f(t) = cos^2(((t/T) + s) / (1 + s) * pi/2), s = 0.008, betas clipped at 0.999.
     */
    public static NoiseSchedule cosine(int steps) {
        checkSteps(steps);
        double s = 0.008;
        double[] b = new double[steps];
        for (int t = 0; t < steps; t++) {
            double a1 = cosineF((double) t / steps, s);
            double a2 = cosineF((double) (t + 1) / steps, s);
            b[t] = Math.min(1 - a2 / a1, 0.999);
        }
        return new NoiseSchedule(Kind.COSINE, b);
    }

    private static double cosineF(double u, double s) {
        double c = Math.cos((u + s) / (1 + s) * Math.PI / 2);
        return c * c;
    }

    /**
     * The sigmoid schedule of Jabri et al. (arXiv 2212.11972), as in lucidrains' sigmoid_beta_schedule
     * with start -3, end 3, tau 1: alphaBar follows a shifted, rescaled sigmoid; betas clipped at 0.999.
     */
    public static NoiseSchedule sigmoid(int steps) {
        checkSteps(steps);
        double start = -3;
        double end = 3;
        double tau = 1;
        double vStart = sigm(start / tau);
        double vEnd = sigm(end / tau);
        double[] ab = new double[steps + 1];
        for (int i = 0; i <= steps; i++) {
            double u = (double) i / steps;
            ab[i] = (-sigm((u * (end - start) + start) / tau) + vEnd) / (vEnd - vStart);
        }
        double[] b = new double[steps];
        for (int t = 0; t < steps; t++) {
            b[t] = Math.min(Math.max(1 - ab[t + 1] / ab[t], 1e-12), 0.999);
        }
        return new NoiseSchedule(Kind.SIGMOID, b);
    }

    private static double sigm(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Builds a schedule of the given kind; linear uses the DDPM range 1e-4 .. 0.02 rescaled to T. */
    public static NoiseSchedule of(Kind kind, int steps) {
        switch (kind) {
            case LINEAR:
                double scale = 1000.0 / steps;
                return linear(steps, 1e-4 * scale, 0.02 * scale);
            case COSINE:
                return cosine(steps);
            case SIGMOID:
                return sigmoid(steps);
            default:
                throw new IllegalArgumentException(kind.toString());
        }
    }

    private static void checkSteps(int steps) {
        if (steps < 1 || steps > 100_000) {
            throw new org.ddpm4j.DdpmException("number of diffusion steps must be in 1..100000, got " + steps);
        }
    }

    public Kind kind() {
        return kind;
    }

    /** T, the number of diffusion steps. */
    public int steps() {
        return betas.length;
    }

    public double beta(int t) {
        return betas[t];
    }

    public double alpha(int t) {
        return alphas[t];
    }

    public double alphaBar(int t) {
        return alphaBars[t];
    }

    /** alphaBar_{t-1}, with alphaBar_{-1} = 1 (no noise before the first step). */
    public double alphaBarPrev(int t) {
        return t <= 0 ? 1.0 : alphaBars[t - 1];
    }

    /** The true posterior variance of q(x_{t-1} | x_t, x_0): beta~_t = beta_t (1 - alphaBar_{t-1}) / (1 - alphaBar_t). DDPM eq. (7). */
    public double posteriorVariance(int t) {
        return betas[t] * (1 - alphaBarPrev(t)) / (1 - alphaBars[t]);
    }

    /** Signal-to-noise ratio alphaBar_t / (1 - alphaBar_t). */
    public double snr(int t) {
        return alphaBars[t] / (1 - alphaBars[t]);
    }

    /** A copy of the alphaBar table. */
    public double[] alphaBars() {
        return alphaBars.clone();
    }
}
