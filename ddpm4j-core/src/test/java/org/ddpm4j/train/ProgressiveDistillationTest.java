package org.ddpm4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.SettingException;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.model.UNetConfig;
import org.ddpm4j.sampler.DdimSampler;
import org.ddpm4j.sampler.TimestepSpacing;
import org.ddpm4j.util.Noise;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;
import org.junit.jupiter.api.Test;

/**
 * Progressive distillation's targets against the paper's formulas recomputed in double precision, image by image,
 * from the teacher run one image and one branch at a time; its teacher step against the DDIM sampler; its rounds
 * and learning rate against their definitions.
 */
class ProgressiveDistillationTest {

    private static final int CLASSES = 3;
    static final ModelConfig NET = new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny(), CLASSES);

    static TrainConfig config(double pUncond) {
        return new TrainConfig(TrainConfig.Data.of("mnist", null), TrainConfig.Budget.steps(100),
                new TrainConfig.Optimiser(3, 1e-3, 20, false, 0, 1, 0), new TrainConfig.Objective(0, false),
                new TrainConfig.Conditioning(true, pUncond), 0);
    }

    @Test
    void targetsAreTheStudentStepThatLandsOnTheGuidedTeachersTwoSteps() {
        for (String target : new String[] {"v", "eps", "x0"}) {
            GaussianDiffusion d = DiffusionConfig.of("cosine", 1000, 1e-4, 0.02, target).build();
            try (NDManager m = NDManager.newBaseManager();
                    Denoiser student = Denoiser.create(NET, m, new Rng(1));
                    Denoiser teacher = Denoiser.create(NET, m, new Rng(1))) {
                double w = 0.5;
                ProgressiveDistillation task = new ProgressiveDistillation(student, teacher, d, config(0), 8, 2, w, true);
                int b = 3;
                int per = 64;
                float[] x0 = new float[b * per];
                Rng init = new Rng(9);
                for (int i = 0; i < x0.length; i++) {
                    x0[i] = (float) (2 * init.nextDouble() - 1);
                }
                float[] labels = {0, 2, 1};
                Shape shape = new Shape(b, 1, 8, 8);
                TrainingTask.Batch batch = task.batch(Tensors.fromJava(m, x0, shape), labels, new Rng(7));
                float[] gotTarget = batch.target().toFloatArray();
                float[] gotWeights = batch.weights().toFloatArray();
                float[] gotT = batch.t().toFloatArray();
                assertArrayEquals(labels, batch.classes().toFloatArray(), "p_uncond 0 keeps every label");

                // the same draws: a grid index per image, then the noise
                Rng rng = new Rng(7);
                int[] grid = TimestepSpacing.TRAILING.timesteps(1000, 4); // round 0: 8 teacher steps, 4 student steps
                int[] fine = TimestepSpacing.TRAILING.timesteps(1000, 8);
                int[] k = new int[b];
                for (int i = 0; i < b; i++) {
                    k[i] = rng.nextInt(4);
                }
                float[] eps = Noise.randn(rng, m, shape).toFloatArray();
                for (int i = 0; i < b; i++) {
                    int t = grid[k[i]];
                    int mid = fine[2 * k[i] + 1];
                    int next = k[i] + 1 < 4 ? grid[k[i] + 1] : -1;
                    assertEquals(t, gotT[i], 0, "image " + i + " sits at its grid point");
                    double[] xt = new double[per];
                    for (int j = 0; j < per; j++) {
                        xt[j] = alpha(d, t) * x0[i * per + j] + sigma(d, t) * eps[i * per + j];
                    }
                    double[] xMid = ddim(d, xt, guided(m, teacher, xt, t, labels[i], w), t, mid);
                    double[] xNext = ddim(d, xMid, guided(m, teacher, xMid, mid, labels[i], w), mid, next);
                    double ratio = sigma(d, next) / sigma(d, t);
                    double c1 = d.x0FromXtCoefficient(t);
                    double c2 = d.x0Coefficient(t);
                    for (int j = 0; j < per; j++) {
                        double x0Target = (xNext[j] - ratio * xt[j]) / (alpha(d, next) - ratio * alpha(d, t)); // PD eq. 8
                        double out = (x0Target - c1 * xt[j]) / c2;
                        assertEquals(out, gotTarget[i * per + j], 2e-3 * Math.max(1, Math.abs(out)), target + " image " + i + " pixel " + j);
                    }
                    double snr = d.schedule().alphaBar(t) / (1 - d.schedule().alphaBar(t));
                    assertEquals(c2 * c2 * Math.max(snr, 1), gotWeights[i], 1e-5 * gotWeights[i], target + " weight of image " + i);
                }
            }
        }
    }

    /** cond + w (cond - uncond) of one image, each branch its own network call. */
    static double[] guided(NDManager m, Denoiser teacher, double[] x, int t, float label, double w) {
        float[] xf = new float[x.length];
        for (int j = 0; j < x.length; j++) {
            xf[j] = (float) x[j];
        }
        NDArray xa = Tensors.fromJava(m, xf, new Shape(1, 1, 8, 8));
        float[] cond = teacher.forward(xa, m.create(new float[] {t}), m.create(new float[] {label}), false).toFloatArray();
        float[] uncond = teacher.forward(xa, m.create(new float[] {t}), m.create(new float[] {-1f}), false).toFloatArray();
        double[] g = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            g[j] = cond[j] + w * (cond[j] - uncond[j]);
        }
        return g;
    }

    /** DDIM eq. (12), eta 0, in double: x0 from the output (clipped), eps from x0, then the step to tPrev (-1: x0). */
    static double[] ddim(GaussianDiffusion d, double[] xt, double[] out, int t, int tPrev) {
        double[] next = new double[xt.length];
        for (int j = 0; j < xt.length; j++) {
            double x0 = Math.max(-1, Math.min(1, d.x0FromXtCoefficient(t) * xt[j] + d.x0Coefficient(t) * out[j]));
            double e = (xt[j] - alpha(d, t) * x0) / sigma(d, t);
            next[j] = alpha(d, tPrev) * x0 + sigma(d, tPrev) * e;
        }
        return next;
    }

    static double alpha(GaussianDiffusion d, int t) {
        return t < 0 ? 1 : Math.sqrt(d.schedule().alphaBar(t));
    }

    static double sigma(GaussianDiffusion d, int t) {
        return t < 0 ? 0 : Math.sqrt(1 - d.schedule().alphaBar(t));
    }

    @Test
    void theTeachersStepIsTheDdimSamplersStep() {
        GaussianDiffusion d = DiffusionConfig.of("cosine", 1000, 1e-4, 0.02, "v").build();
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = Denoiser.create(NET, m, new Rng(1))) {
            ProgressiveDistillation task = new ProgressiveDistillation(net, net, d, config(0), 4, 1, 0, true);
            Rng r = new Rng(3);
            for (int[] pair : new int[][] {{999, 749}, {499, 249}, {249, -1}}) {
                NDArray x = Noise.randn(r, m, new Shape(2, 1, 8, 8));
                NDArray out = Noise.randn(r, m, new Shape(2, 1, 8, 8)).mul(2f); // large enough that clipping matters
                float[] mine = task.ddim(x, out, new int[] {pair[0], pair[0]}, new int[] {pair[1], pair[1]}).toFloatArray();
                float[] sampler = new DdimSampler(d, 0, TimestepSpacing.TRAILING, true).step(out, pair[0], pair[1], x, null).prevSample().toFloatArray();
                assertArrayEquals(sampler, mine, 1e-5f, "t " + pair[0] + " -> " + pair[1]);
            }
        }
    }

    @Test
    void roundsHalveTheStepsAndTheLearningRateDecaysWithinEach() {
        GaussianDiffusion d = DiffusionConfig.of("cosine", 1000, 1e-4, 0.02, "v").build();
        try (NDManager m = NDManager.newBaseManager(); Denoiser student = Denoiser.create(NET, m, new Rng(1));
                Denoiser teacher = Denoiser.create(NET, m, new Rng(1))) {
            ProgressiveDistillation task = new ProgressiveDistillation(student, teacher, d, config(0), 16, 2, 0, true);
            assertEquals(8, task.studentSteps(0));
            assertEquals(4, task.studentSteps(1));
            assertEquals(0, task.roundOf(49, 100));
            assertEquals(1, task.roundOf(50, 100));
            assertEquals(1, task.roundOf(99, 100));
            assertEquals(0, task.roundOf(500, 0), "round 0 while the budget calibrates");
            TrainConfig.Optimiser o = config(0).optimiser();
            assertEquals(1e-3 / 20, task.learningRate(o, 1, 100), 1e-15);
            assertEquals(1e-3 * (1 - 19.0 / 50), task.learningRate(o, 20, 100), 1e-15);
            assertEquals(1e-3 * (1 - 49.0 / 50), task.learningRate(o, 50, 100), 1e-15, "the last update of round 0");
            assertEquals(1e-3 / 20, task.learningRate(o, 51, 100), 1e-15, "round 1 warms up again");
            assertEquals(1e-3 * (1 - 49.0 / 50), task.learningRate(o, 100, 100), 1e-15);
            assertEquals(1e-3 * 7 / 20, task.learningRate(o, 7, 0), 1e-15, "no decay while the total is unknown");

            // the student of round 0 becomes the teacher of round 1
            student.parameters().get(0).array().muli(3f);
            task.beforeStep(49, 100);
            assertEquals(0, task.round());
            task.beforeStep(50, 100);
            assertEquals(1, task.round());
            for (int i = 0; i < student.parameters().size(); i++) {
                assertArrayEquals(student.parameters().get(i).array().toFloatArray(), teacher.parameters().get(i).array().toFloatArray(), 0f);
            }
        }
    }

    @Test
    void trailingPointsOfTwiceTheStepsRefineThoseOfOnce() {
        for (int n = 1; n <= 256; n *= 2) {
            int[] coarse = TimestepSpacing.TRAILING.timesteps(1000, n);
            int[] fine = TimestepSpacing.TRAILING.timesteps(1000, 2 * n);
            for (int k = 0; k < n; k++) {
                assertEquals(coarse[k], fine[2 * k], n + " steps, point " + k);
            }
        }
    }

    @Test
    void stepCountsThatDoNotHalveAreRefused() {
        assertEquals("teacher-steps", assertThrows(SettingException.class, () -> ProgressiveDistillation.check(12, 3, 1000)).field());
        assertEquals("teacher-steps", assertThrows(SettingException.class, () -> ProgressiveDistillation.check(2000, 1, 1000)).field());
        assertEquals("rounds", assertThrows(SettingException.class, () -> ProgressiveDistillation.check(16, 0, 1000)).field());
        ProgressiveDistillation.check(16, 4, 1000);
    }
}
