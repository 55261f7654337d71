package org.ddpm4j.eval;

/**
 * The Fréchet distance between two Gaussians fitted to feature sets (the FID formula of Heusel et al.,
 * arXiv 1706.08500): |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^{1/2} S2 S1^{1/2})^{1/2}), in double
 * precision with a Jacobi eigen-solver (no native linear algebra needed).
 */
public final class Frechet {

    private Frechet() {}

    /** Feature statistics: the mean vector and the unbiased covariance matrix. */
    public record Stats(double[] mean, double[][] cov, int count) {}

    /** Statistics of {@code n} feature vectors of dimension {@code d}, stored row-major. */
    public static Stats stats(float[] features, int n, int d) {
        if (n < 2) {
            throw new IllegalArgumentException("need at least 2 feature vectors, got " + n);
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
        double[][] cov = new double[d][d];
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
                    cov[a][b] += ca * c[b];
                }
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) {
                cov[a][b] /= n - 1;
                cov[b][a] = cov[a][b];
            }
        }
        return new Stats(mean, cov, n);
    }

    public static double distance(Stats s1, Stats s2) {
        int d = s1.mean().length;
        double diff = 0;
        for (int j = 0; j < d; j++) {
            double x = s1.mean()[j] - s2.mean()[j];
            diff += x * x;
        }
        double[][] root1 = sqrtPsd(s1.cov());
        double[][] m = multiply(multiply(root1, s2.cov()), root1);
        symmetrize(m);
        double[] eig = eigenvalues(m);
        double trSqrt = 0;
        for (double e : eig) {
            trSqrt += Math.sqrt(Math.max(e, 0));
        }
        double tr1 = 0;
        double tr2 = 0;
        for (int j = 0; j < d; j++) {
            tr1 += s1.cov()[j][j];
            tr2 += s2.cov()[j][j];
        }
        return Math.max(0, diff + tr1 + tr2 - 2 * trSqrt);
    }

    /** The symmetric PSD square root V diag(sqrt(max(l, 0))) V^T. */
    static double[][] sqrtPsd(double[][] a) {
        int n = a.length;
        double[][] v = new double[n][n];
        double[] l = jacobi(copy(a), v);
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += v[i][k] * Math.sqrt(Math.max(l[k], 0)) * v[j][k];
                }
                out[i][j] = s;
            }
        }
        return out;
    }

    static double[] eigenvalues(double[][] a) {
        return jacobi(copy(a), new double[a.length][a.length]);
    }

    /** Cyclic Jacobi rotations; returns eigenvalues, fills v with eigenvectors as columns. Destroys a. */
    static double[] jacobi(double[][] a, double[][] v) {
        int n = a.length;
        for (int i = 0; i < n; i++) {
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double total = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    total += a[i][j] * a[i][j];
                    if (i != j) {
                        off += a[i][j] * a[i][j];
                    }
                }
            }
            if (off <= 1e-22 * Math.max(total, 1e-300)) {
                break;
            }
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = a[p][q];
                    if (Math.abs(apq) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        double[] l = new double[n];
        for (int i = 0; i < n; i++) {
            l[i] = a[i][i];
        }
        return l;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                double aik = a[i][k];
                for (int j = 0; j < n; j++) {
                    c[i][j] += aik * b[k][j];
                }
            }
        }
        return c;
    }

    private static void symmetrize(double[][] m) {
        for (int i = 0; i < m.length; i++) {
            for (int j = i + 1; j < m.length; j++) {
                double x = 0.5 * (m[i][j] + m[j][i]);
                m[i][j] = x;
                m[j][i] = x;
            }
        }
    }

    private static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
