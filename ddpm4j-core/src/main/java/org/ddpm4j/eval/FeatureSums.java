package org.ddpm4j.eval;

/**
 * Feature statistics that merge exactly: the count, the mean and the co-moment matrix
 * {@code M = sum_i (f_i - mean)(f_i - mean)^T} of a set of feature vectors, so that statistics of parts scored
 * apart (a distributed job's partitions) combine into those of the whole set. This is the same information as
 * the sums of the features and of their outer products, merged by Chan, Golub and LeVeque's pairwise update
 * ({@code M = M_a + M_b + delta delta^T n_a n_b / n}, {@code delta = mean_b - mean_a}), which avoids the
 * cancellation of {@code sum f f^T - n mean mean^T}. One part's statistics are {@link Frechet#stats}'s bit for bit.
 *
 * <p>Immutable and serializable; {@link #plus} returns a new value.
 */
public final class FeatureSums implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private final long count;
    private final double[] mean; // (d)
    private final double[] comoment; // (d, d) row-major, symmetric

    private FeatureSums(long count, double[] mean, double[] comoment) {
        this.count = count;
        this.mean = mean;
        this.comoment = comoment;
    }

    /** No vectors of dimension {@code d}. */
    public static FeatureSums empty(int d) {
        return new FeatureSums(0, new double[d], new double[d * d]);
    }

    /** The statistics of {@code n} feature vectors of dimension {@code d}, row-major (two passes, as {@link Frechet#stats}). */
    public static FeatureSums of(float[] features, int n, int d) {
        if (features.length < (long) n * d) {
            throw new IllegalArgumentException(features.length + " values for " + n + " vectors of " + d);
        }
        if (n == 0) {
            return empty(d);
        }
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                mean[j] += features[i * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        double[] m = new double[d * d];
        double[] c = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                c[j] = features[i * d + j] - mean[j];
            }
            for (int a = 0; a < d; a++) {
                double ca = c[a];
                if (ca == 0) {
                    continue;
                }
                for (int b = a; b < d; b++) {
                    m[a * d + b] += ca * c[b];
                }
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = a + 1; b < d; b++) {
                m[b * d + a] = m[a * d + b];
            }
        }
        return new FeatureSums(n, mean, m);
    }

    /** The statistics of both sets together. */
    public FeatureSums plus(FeatureSums other) {
        int d = mean.length;
        if (other.mean.length != d) {
            throw new IllegalArgumentException("feature dimensions differ: " + d + " and " + other.mean.length);
        }
        if (other.count == 0) {
            return this;
        }
        if (count == 0) {
            return other;
        }
        long n = count + other.count;
        double wb = (double) other.count / n;
        double cross = (double) count * other.count / n;
        double[] delta = new double[d];
        double[] mu = new double[d];
        for (int j = 0; j < d; j++) {
            delta[j] = other.mean[j] - mean[j];
            mu[j] = mean[j] + delta[j] * wb;
        }
        double[] m = new double[d * d];
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                m[a * d + b] = comoment[a * d + b] + other.comoment[a * d + b] + delta[a] * delta[b] * cross;
            }
        }
        return new FeatureSums(n, mu, m);
    }

    /** Vectors counted. */
    public long count() {
        return count;
    }

    /** The dimension of the vectors. */
    public int dimension() {
        return mean.length;
    }

    /** The mean and the unbiased covariance, as {@link Frechet#stats} gives them; needs at least 2 vectors. */
    public Frechet.Stats stats() {
        if (count < 2) {
            throw new IllegalArgumentException("need at least 2 feature vectors, got " + count);
        }
        int d = mean.length;
        double[][] cov = new double[d][d];
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) {
                cov[a][b] = comoment[a * d + b] / (count - 1);
                cov[b][a] = cov[a][b];
            }
        }
        return new Frechet.Stats(mean.clone(), cov, Math.toIntExact(count));
    }
}
