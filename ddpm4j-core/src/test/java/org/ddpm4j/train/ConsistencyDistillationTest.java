package org.ddpm4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.SettingException;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.sampler.TimestepSpacing;
import org.ddpm4j.util.Noise;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;
import org.junit.jupiter.api.Test;

/**
 * Consistency distillation's targets against the definition recomputed in double precision, image by image: the
 * guided teacher's DDIM substeps across the grid interval, then the student's own unguided x0 at the next grid
 * point, or the teacher's image on the last interval; and its learning rate and settings.
 */
class ConsistencyDistillationTest {

    @Test
    void targetsAreTheStudentsOwnX0AtTheEndOfTheTeachersInterval() {
        for (String target : new String[] {"v", "eps", "x0"}) {
            GaussianDiffusion d = DiffusionConfig.of("cosine", 1000, 1e-4, 0.02, target).build();
            try (NDManager m = NDManager.newBaseManager();
                    Denoiser student = Denoiser.create(ProgressiveDistillationTest.NET, m, new Rng(1));
                    Denoiser teacher = Denoiser.create(ProgressiveDistillationTest.NET, m, new Rng(2))) { // not the student
                double w = 0.5;
                int points = 4;
                int sub = 2;
                ConsistencyDistillation task = new ConsistencyDistillation(student, teacher, d, ProgressiveDistillationTest.config(0),
                        points, sub, w, true);
                int b = 6;
                int per = 64;
                float[] x0 = new float[b * per];
                Rng init = new Rng(9);
                for (int i = 0; i < x0.length; i++) {
                    x0[i] = (float) (2 * init.nextDouble() - 1);
                }
                float[] labels = {0, 2, 1, 1, 0, 2};
                Shape shape = new Shape(b, 1, 8, 8);
                TrainingTask.Batch batch = task.batch(Tensors.fromJava(m, x0, shape), labels, new Rng(7));
                float[] gotTarget = batch.target().toFloatArray();
                float[] gotWeights = batch.weights().toFloatArray();
                float[] gotT = batch.t().toFloatArray();

                // the same draws: a grid index per image, then the noise
                Rng rng = new Rng(7);
                int[] grid = TimestepSpacing.TRAILING.timesteps(1000, points);
                int[] fine = TimestepSpacing.TRAILING.timesteps(1000, points * sub);
                assertArrayEquals(grid, task.grid());
                int[] k = new int[b];
                boolean last = false;
                boolean inner = false;
                for (int i = 0; i < b; i++) {
                    k[i] = rng.nextInt(points);
                    last |= k[i] == points - 1;
                    inner |= k[i] < points - 1;
                }
                assertTrue(last && inner, "the draws cover the last interval and an inner one");
                float[] eps = Noise.randn(rng, m, shape).toFloatArray();
                for (int i = 0; i < b; i++) {
                    int t = grid[k[i]];
                    int next = k[i] + 1 < points ? grid[k[i] + 1] : -1;
                    assertEquals(t, gotT[i], 0, "image " + i + " sits at its grid point");
                    double[] x = new double[per];
                    for (int j = 0; j < per; j++) {
                        x[j] = ProgressiveDistillationTest.alpha(d, t) * x0[i * per + j] + ProgressiveDistillationTest.sigma(d, t) * eps[i * per + j];
                    }
                    double[] xt = x.clone();
                    for (int s = 0; s < sub; s++) { // the teacher's DDIM substeps on the fine trailing points
                        int from = fine[k[i] * sub + s];
                        int f = k[i] * sub + s + 1;
                        int to = f < fine.length ? fine[f] : -1;
                        x = ProgressiveDistillationTest.ddim(d, x, ProgressiveDistillationTest.guided(m, teacher, x, from, labels[i], w), from, to);
                    }
                    double[] x0Target = next < 0 ? x : studentX0(m, student, d, x, next, labels[i]);
                    double c1 = d.x0FromXtCoefficient(t);
                    double c2 = d.x0Coefficient(t);
                    for (int j = 0; j < per; j++) {
                        double out = (x0Target[j] - c1 * xt[j]) / c2;
                        assertEquals(out, gotTarget[i * per + j], 2e-3 * Math.max(1, Math.abs(out)), target + " image " + i + " pixel " + j);
                    }
                    double snr = d.schedule().alphaBar(t) / (1 - d.schedule().alphaBar(t));
                    assertEquals(c2 * c2 * Math.max(snr, 1), gotWeights[i], 1e-5 * gotWeights[i], target + " weight of image " + i);
                }
            }
        }
    }

    /** The student's clipped x0 of one image at (x, t), its conditional branch, unguided. */
    private static double[] studentX0(NDManager m, Denoiser student, GaussianDiffusion d, double[] x, int t, float label) {
        double[] out = ProgressiveDistillationTest.guided(m, student, x, t, label, 0);
        double[] x0 = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            x0[j] = Math.max(-1, Math.min(1, d.x0FromXtCoefficient(t) * x[j] + d.x0Coefficient(t) * out[j]));
        }
        return x0;
    }

    @Test
    void learningRateWarmsUpThenDecaysOverTheWholeRun() {
        GaussianDiffusion d = DiffusionConfig.of("cosine", 1000, 1e-4, 0.02, "v").build();
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = Denoiser.create(ProgressiveDistillationTest.NET, m, new Rng(1))) {
            ConsistencyDistillation task = new ConsistencyDistillation(net, net, d, ProgressiveDistillationTest.config(0), 4, 4, 0, true);
            TrainConfig.Optimiser o = ProgressiveDistillationTest.config(0).optimiser();
            assertEquals(1e-3 / 20, task.learningRate(o, 1, 100), 1e-15);
            assertEquals(1e-3 * (1 - 19.0 / 100), task.learningRate(o, 20, 100), 1e-15);
            assertEquals(1e-3 * (1 - 60.0 / 100), task.learningRate(o, 61, 100), 1e-15, "no second warm-up");
            assertEquals(1e-3 * (1 - 99.0 / 100), task.learningRate(o, 100, 100), 1e-15);
            assertEquals(1e-3 * 7 / 20, task.learningRate(o, 7, 0), 1e-15, "no decay while the total is unknown");
            assertTrue(!task.totalMayChangeUntil(o, 100));
        }
    }

    @Test
    void gridsAndTeacherStepsOutOfRangeAreRefused() {
        assertEquals("steps", assertThrows(SettingException.class, () -> ConsistencyDistillation.check(0, 4, 1000)).field());
        assertEquals("teacher-steps", assertThrows(SettingException.class, () -> ConsistencyDistillation.check(4, 0, 1000)).field());
        assertEquals("teacher-steps", assertThrows(SettingException.class, () -> ConsistencyDistillation.check(8, 200, 1000)).field());
        ConsistencyDistillation.check(1, 16, 1000);
        ConsistencyDistillation.check(3, 5, 1000); // any grid whose fine points refine it
    }
}
