package org.ddpm4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.api.Test;

/** Feature statistics of parts merge into those of the whole, as a distributed job's partitions need. */
class FeatureSumsTest {

    /** Features with a large common offset: the case where sum f f^T - n mu mu^T would cancel. */
    private static float[] features(int n, int d, long seed) {
        float[] f = new Rng(seed).gaussians(n * d);
        for (int i = 0; i < f.length; i++) {
            f[i] = 50f + 0.5f * f[i] + (i % d) * 0.1f * f[i - i % d];
        }
        return f;
    }

    @Test
    void onePartIsFrechetStatsBitForBit() {
        float[] f = features(37, 5, 1);
        Frechet.Stats a = Frechet.stats(f, 37, 5);
        Frechet.Stats b = FeatureSums.of(f, 37, 5).stats();
        assertArrayEquals(a.mean(), b.mean(), 0.0);
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(a.cov()[i], b.cov()[i], 0.0);
        }
        assertEquals(37, b.count());
    }

    @Test
    void partsMergeToTheWholeInDoublePrecision() {
        int n = 101;
        int d = 6;
        float[] f = features(n, d, 2);
        Frechet.Stats whole = Frechet.stats(f, n, d);
        int[][] splits = {{0, 1, n}, {0, 50, 51, 99, n}, {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, n}};
        for (int[] cut : splits) {
            FeatureSums s = FeatureSums.empty(d);
            for (int k = 0; k + 1 < cut.length; k++) {
                float[] part = Arrays.copyOfRange(f, cut[k] * d, cut[k + 1] * d);
                s = s.plus(FeatureSums.of(part, cut[k + 1] - cut[k], d));
            }
            Frechet.Stats m = s.stats();
            assertEquals(n, m.count());
            for (int a = 0; a < d; a++) {
                assertEquals(whole.mean()[a], m.mean()[a], 1e-12 * Math.abs(whole.mean()[a]), "mean " + a);
                for (int b = 0; b < d; b++) {
                    assertEquals(whole.cov()[a][b], m.cov()[a][b], 1e-10 * Math.sqrt(whole.cov()[a][a] * whole.cov()[b][b]),
                            Arrays.toString(cut) + " cov " + a + "," + b);
                }
            }
            assertEquals(0, Frechet.distance(whole, m), 1e-9, "the Frechet distance of the merged to the whole");
        }
    }

    @Test
    void mergesAreCheckedAndEmptyPartsChangeNothing() {
        FeatureSums s = FeatureSums.of(features(4, 3, 3), 4, 3);
        assertEquals(s, s.plus(FeatureSums.empty(3)));
        assertEquals(s, FeatureSums.empty(3).plus(s));
        assertThrows(IllegalArgumentException.class, () -> s.plus(FeatureSums.empty(2)));
        assertThrows(IllegalArgumentException.class, () -> FeatureSums.of(new float[5], 1, 1).plus(FeatureSums.empty(1)).stats());
    }
}
