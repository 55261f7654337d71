package org.ddpm4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.DdpmException;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.model.UNetConfig;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.api.Test;

/** The training extras against their formulas. */
class TrainingMathTest {

    private static TrainConfig cfg(int warmup, boolean cosine, double clip, double ema, double gamma) {
        return new TrainConfig(TrainConfig.Data.of("mnist", 1), TrainConfig.Budget.steps(100),
                new TrainConfig.Optimiser(4, 2e-3, warmup, cosine, 0, clip, ema), new TrainConfig.Objective(gamma, false),
                TrainConfig.Conditioning.NONE, 0);
    }

    @Test
    void learningRateWarmsUpLinearlyThenDecaysWithAHalfCosine() {
        TrainConfig c = cfg(10, true, 0, 0, 0);
        assertEquals(2e-4, c.optimiser().learningRateAt(1, 110), 1e-15);
        assertEquals(1e-3, c.optimiser().learningRateAt(5, 110), 1e-15);
        assertEquals(2e-3, c.optimiser().learningRateAt(10, 110), 1e-15);
        assertEquals(1e-3, c.optimiser().learningRateAt(60, 110), 1e-12); // halfway through the decay: cos(pi/2) = 0
        assertEquals(2e-3 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), c.optimiser().learningRateAt(35, 110), 1e-12);
        assertEquals(0, c.optimiser().learningRateAt(110, 110), 1e-15);
        assertEquals(2e-3, cfg(0, false, 0, 0, 0).optimiser().learningRateAt(77, 110), 0, "constant without warm-up and decay");
    }

    @Test
    void minSnrWeightsFollowTheirFormulaForEachTarget() {
        ImageSet tiny = new ImageSet(new float[64], null, 1, 1, 8, 8, "tiny");
        int[] t = {0, 300, 999};
        for (String target : new String[] {"eps", "x0", "v"}) {
            GaussianDiffusion d = DiffusionConfig.of("cosine", 1000, 1e-4, 0.02, target).build();
            try (NDManager m = NDManager.newBaseManager();
                    Denoiser net = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny()), m, new Rng(0))) {
                float[] w = new DiffusionTrainer(net, d, cfg(0, false, 0, 0, 5), new Rng(0), tiny).lossWeights(t);
                for (int i = 0; i < t.length; i++) {
                    double snr = d.schedule().alphaBar(t[i]) / (1 - d.schedule().alphaBar(t[i]));
                    double expected = target.equals("x0") ? Math.min(snr, 5) : target.equals("eps") ? Math.min(snr, 5) / snr
                            : Math.min(snr, 5) / (snr + 1);
                    assertEquals(expected, w[i], 1e-6 * Math.max(1, expected), target + " t=" + t[i]);
                }
            }
        }
    }

    @Test
    void emaWarmsUpAndAverages() {
        try (NDManager m = NDManager.newBaseManager();
                Denoiser net = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny()), m, new Rng(0))) {
            Ema ema = new Ema(net, 0.999);
            assertEquals(0.1, ema.currentDecay(), 1e-12); // (1 + 0) / (10 + 0)
            float[] w0 = net.parameters().get(0).array().toFloatArray();
            net.parameters().get(0).array().addi(1f); // the weights move by +1
            ema.update();
            float[] s = net.flatWeights().unflatten(ema.shadow().toFloatArray()).get(0);
            for (int i = 0; i < s.length; i++) {
                assertEquals(0.1 * w0[i] + 0.9 * (w0[i] + 1), s[i], 1e-5);
            }
            ema.setUpdates(100_000);
            assertEquals(0.999, ema.currentDecay(), 1e-12);
        }
    }

    @Test
    void thePowerFunctionEmaWeighsStepIByItsShareOfTheProfile() {
        // EDM2 (arXiv 2312.02696) table: sigma_rel 0.05 and 0.10 are gamma 16.97 and 6.94
        assertEquals(16.97, Ema.gammaOf(0.05), 0.005);
        assertEquals(6.94, Ema.gammaOf(0.10), 0.005);
        double g = Ema.gammaOf(0.10);
        double w = Math.sqrt((g + 1) / ((g + 2) * (g + 2) * (g + 3)));
        assertEquals(0.10, w, 1e-9);
        try (NDManager m = NDManager.newBaseManager();
                Denoiser net = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny()), m, new Rng(0))) {
            Ema ema = Ema.power(net, 0.10);
            NDArray flat = net.flatWeights().flat();
            float[] w0 = flat.toFloatArray();
            int steps = 50;
            for (int i = 1; i <= steps; i++) {
                // the weights at step i are w0 + i: the average must be w0 + sum_i a_i i
                org.ddpm4j.util.Tensors.copyInto(flat, plus(w0, i));
                ema.update();
            }
            // after T updates of decay (1 - 1/t)^(g + 1), step i weighs (i/T)^(g+1) - ((i-1)/T)^(g+1), computed here in double
            double expected = 0;
            for (int i = 1; i <= steps; i++) {
                expected += (Math.pow((double) i / steps, g + 1) - Math.pow((double) (i - 1) / steps, g + 1)) * i;
            }
            float[] s = ema.shadow().toFloatArray();
            for (int j = 0; j < s.length; j += 97) {
                assertEquals(w0[j] + expected, s[j], 1e-3, "element " + j);
            }
            assertTrue(expected > 40 && expected < 50, "a recent average of steps 1..50: " + expected);
        }
    }

    private static float[] plus(float[] a, float v) {
        float[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += v;
        }
        return out;
    }

    @Test
    void globalNormClippingScalesAllGradientsTogether() {
        ImageSet data = new ImageSet(new Rng(1).gaussians(4 * 64), null, 4, 1, 8, 8, "noise");
        float[] x = new float[4 * 64];
        for (int i = 0; i < 4; i++) {
            data.copyImage(i, x, i * 64);
        }
        for (double clip : new double[] {0, 1e-3}) {
            try (NDManager m = NDManager.newBaseManager();
                    Denoiser net = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny()), m, new Rng(0))) {
                DiffusionTrainer tr = new DiffusionTrainer(net, DiffusionConfig.seed().build(), cfg(0, false, clip, 0, 0), new Rng(2), data);
                float[] before = net.parameters().get(0).array().toFloatArray();
                tr.step(x, new Shape(4, 1, 8, 8));
                float[] after = net.parameters().get(0).array().toFloatArray();
                if (clip > 0) {
                    assertTrue(tr.lastGradNorm() > clip, "the test gradient is larger than the clip");
                }
                // Adam's first step moves every weight by about lr whatever the gradient scale, so clipping
                // shows in the second moment instead: v = (1 - b2) g^2 is scaled by (clip / norm)^2
                double v = tr.optimizer().secondMoments().get(0).sum().getFloat();
                assertTrue(v > 0);
                assertTrue(!java.util.Arrays.equals(before, after));
                if (clip > 0) {
                    assertTrue(v < 1e-9, "clipped second moment " + v);
                }
            }
        }
    }

    @Test
    void aNonFiniteLossStopsWithTheStepOrIsSkipped() {
        float[] bad = new float[4 * 64];
        bad[5] = Float.NaN;
        ImageSet data = new ImageSet(bad, null, 4, 1, 8, 8, "bad");
        try (NDManager m = NDManager.newBaseManager();
                Denoiser net = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny()), m, new Rng(0))) {
            DiffusionTrainer tr = new DiffusionTrainer(net, DiffusionConfig.seed().build(), cfg(0, false, 0, 0, 0), new Rng(2), data);
            float[] before = net.parameters().get(0).array().toFloatArray();
            DdpmException e = assertThrows(DdpmException.class, () -> tr.step(bad, new Shape(4, 1, 8, 8)));
            assertTrue(e.getMessage().contains("at step 1"), e.getMessage());
            assertArrayEquals(before, net.parameters().get(0).array().toFloatArray(), 0f, "no update from a NaN batch");
            TrainConfig skip = cfg(0, false, 0, 0, 0).withObjective(new TrainConfig.Objective(0, true));
            DiffusionTrainer tr2 = new DiffusionTrainer(net, DiffusionConfig.seed().build(), skip, new Rng(2), data);
            assertTrue(Double.isNaN(tr2.step(bad, new Shape(4, 1, 8, 8))));
            assertEquals(1, tr2.skippedBatches());
            assertArrayEquals(before, net.parameters().get(0).array().toFloatArray(), 0f);
        }
    }

    @Test
    void aNonFiniteLossIsBlamedOnAKernelOnlyWhenNothingElseCanExplainIt() {
        String kernel = "a native kernel defect";
        assertTrue(DiffusionTrainer.nonFiniteLoss(Double.NaN, 1, true, true).getMessage().contains(kernel));
        assertTrue(DiffusionTrainer.nonFiniteLoss(Double.NaN, 1, true, true).getMessage().contains("docs/results/onednn-convolution.md"));
        for (boolean[] c : new boolean[][] {{false, true}, {true, false}, {false, false}}) {
            String msg = DiffusionTrainer.nonFiniteLoss(Double.POSITIVE_INFINITY, 7, c[0], c[1]).getMessage();
            assertTrue(msg.startsWith("training diverged: the loss is Infinity at step 7") && msg.contains("lower lr"), msg);
            assertTrue(DiffusionTrainer.nonFiniteLoss(Double.POSITIVE_INFINITY, 7, c[0], c[1]).flagMessage().contains("lower --lr"));
        }
        // through a real step: inputs far outside [-1, 1] overflow the loss, and that is divergence, not a kernel
        ImageSet tiny = new ImageSet(new float[4 * 64], null, 4, 1, 8, 8, "tiny");
        float[] huge = new float[4 * 64];
        java.util.Arrays.fill(huge, 3e38f);
        try (NDManager m = NDManager.newBaseManager();
                Denoiser net = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny()), m, new Rng(0))) {
            DiffusionTrainer tr = new DiffusionTrainer(net, DiffusionConfig.seed().build(), cfg(0, false, 0, 0, 0), new Rng(2), tiny);
            DdpmException e = assertThrows(DdpmException.class, () -> tr.step(huge, new Shape(4, 1, 8, 8)));
            assertTrue(e.getMessage().startsWith("training diverged") && e.getMessage().contains("at step 1"), e.getMessage());
        }
    }

    @Test
    void aMinutesBudgetIsEstimatedAgainOnceTheFirstSlowStepsArePast() {
        // a fake clock: steps 1-50 take 2 s each, later ones 1 s; a 5-minute budget
        for (boolean warmedSchedule : new boolean[] {true, false}) {
            ImageSet tiny = new ImageSet(new float[4 * 64], null, 4, 1, 8, 8, "tiny");
            TrainConfig c = cfg(warmedSchedule ? 200 : 0, true, 0, 0, 0).withBudget(TrainConfig.Budget.minutes(5.0));
            try (NDManager m = NDManager.newBaseManager();
                    Denoiser net = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny()), m, new Rng(0))) {
                DiffusionTrainer tr = new DiffusionTrainer(net, DiffusionConfig.seed().build(), c, new Rng(2), tiny);
                // the trainer reads the clock before and after each step: the read after step s shows its cost added
                tr.clock = () -> cumulative(tr.stepCount());
                tr.run((step, total, epoch, loss, ips) -> { }, t -> { });
                // first estimate at step 20 from steps 6-20 (2 s each): 20 + (300 - 40) / 2 = 150
                // with a 200-step warm-up the rates do not depend on the total yet, so it is estimated again when the
                // provisional total is reached, from steps 76-150 (1 s each): 150 + (300 - 200) / 1 = 250; and a last
                // time at the warm-up's end, from steps 101-200: 200 + (300 - 250) / 1 = 250
                assertEquals(warmedSchedule ? 250 : 150, tr.totalSteps(), warmedSchedule
                        ? "estimated again at the end of the learning-rate warm-up" : "not again: with cosine decay from step 1 the total fixes the rates");
                assertEquals(tr.totalSteps(), tr.stepCount());
                assertEquals(warmedSchedule ? 300 : 200, tr.wallSeconds(), 1e-9, "the budget's clock: 50 steps of 2 s, the rest 1 s");
                assertEquals(300, tr.plannedSeconds(), 1e-9, "planned to end with the budget");
            }
        }
    }

    @Test
    void aReserveAfterTrainingComesOffTheMinutesBudget() {
        // the same fake clock and 5-minute budget, cosine decay from step 1 (the total is fixed at the first estimate),
        // and the work after training (choosing the weights) expected to take as long as 20 steps
        ImageSet tiny = new ImageSet(new float[4 * 64], null, 4, 1, 8, 8, "tiny");
        TrainConfig c = cfg(0, true, 0, 0, 0).withBudget(TrainConfig.Budget.minutes(5.0));
        try (NDManager m = NDManager.newBaseManager();
                Denoiser net = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny()), m, new Rng(0))) {
            DiffusionTrainer tr = new DiffusionTrainer(net, DiffusionConfig.seed().build(), c, new Rng(2), tiny);
            tr.clock = () -> cumulative(tr.stepCount());
            tr.reserveAfterTraining(perStep -> 20 * perStep);
            tr.run((step, total, epoch, loss, ips) -> { }, t -> { });
            // estimated at step 20 from steps 6-20 (2 s each): a 40 s reserve, 20 + (300 - 40 - 40) / 2 = 130
            assertEquals(130, tr.totalSteps());
            assertEquals(40, tr.reservedSeconds(), 1e-9);
            assertEquals(300, tr.plannedSeconds() + tr.reservedSeconds(), 1e-9, "training and the reserve fill the budget");
        }
    }

    /** Seconds (as nanoseconds) the fake clock shows once step s is done: 2 s per step up to 50, then 1 s. */
    private static long cumulative(long s) {
        long secs = Math.min(s, 50) * 2 + Math.max(0, s - 50);
        return secs * 1_000_000_000L;
    }
}
