package org.ddpm4j.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NoiseScheduleTest {

    @Test
    void linearScheduleMatchesTheIssueGoldenValues() {
        NoiseSchedule s = NoiseSchedule.seedDefault();
        assertEquals(1000, s.steps());
        // values given in the foundation issue (double precision)
        assertEquals(0.9999, s.alphaBar(0), 1e-12);
        assertEquals(0.0785872, s.alphaBar(499), 5e-8);
        assertEquals(4.03583e-5, s.alphaBar(999), 5e-11);
    }

    @Test
    void linearScheduleMatchesAnIndependentDoubleComputation() {
        NoiseSchedule s = NoiseSchedule.seedDefault();
        // independent: log-sum of (1 - beta_t), beta_t = 1e-4 + t * (0.02 - 1e-4) / 999
        double logProd = 0;
        for (int t = 0; t < 1000; t++) {
            double beta = 1e-4 + t * ((0.02 - 1e-4) / 999.0);
            assertEquals(beta, s.beta(t), 1e-15);
            assertEquals(1 - beta, s.alpha(t), 1e-15);
            logProd += Math.log1p(-beta);
            assertEquals(Math.exp(logProd), s.alphaBar(t), 1e-12 * Math.max(1, Math.exp(logProd)));
        }
        assertEquals(0.02, s.beta(999), 1e-15);
    }

    @Test
    void posteriorVarianceFollowsDdpmEquation7() {
        NoiseSchedule s = NoiseSchedule.seedDefault();
        assertEquals(0.0, s.posteriorVariance(0), 0.0); // alphaBar_{-1} = 1
        int t = 500;
        double expected = s.beta(t) * (1 - s.alphaBar(t - 1)) / (1 - s.alphaBar(t));
        assertEquals(expected, s.posteriorVariance(t), 1e-15);
        assertTrue(s.posteriorVariance(t) < s.beta(t));
    }

    @Test
    void cosineAndSigmoidAreValidDecreasingSchedules() {
        for (NoiseSchedule s : new NoiseSchedule[] {NoiseSchedule.cosine(1000), NoiseSchedule.sigmoid(1000)}) {
            double prev = 1;
            for (int t = 0; t < s.steps(); t++) {
                assertTrue(s.alphaBar(t) < prev, s.kind() + " alphaBar must decrease at " + t);
                assertTrue(s.beta(t) > 0 && s.beta(t) <= 0.999);
                prev = s.alphaBar(t);
            }
            assertTrue(s.alphaBar(0) > 0.99, s.kind() + " starts almost clean");
            assertTrue(s.alphaBar(999) < 1e-3, s.kind() + " ends almost pure noise");
        }
    }

    @Test
    void cosineMatchesImprovedDdpmFormula() {
        NoiseSchedule s = NoiseSchedule.cosine(1000);
        double f0 = Math.pow(Math.cos(0.008 / 1.008 * Math.PI / 2), 2);
        // alphaBar_t in our zero-based indexing is alphaBar(t + 1) of the paper
        double ft = Math.pow(Math.cos((500.0 / 1000 + 0.008) / 1.008 * Math.PI / 2), 2);
        assertEquals(ft / f0, s.alphaBar(499), 1e-9);
    }
}
