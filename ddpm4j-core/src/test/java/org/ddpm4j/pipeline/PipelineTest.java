package org.ddpm4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.model.UNetConfig;
import org.ddpm4j.sampler.SamplerConfig;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;
import org.junit.jupiter.api.Test;

class PipelineTest {

    private final GaussianDiffusion diffusion = DiffusionConfig.of("cosine", 1000, 1e-4, 0.02, "v").build();

    private Denoiser conditional(NDManager m) {
        return Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny(), 3), m, new Rng(0));
    }

    /** A pipeline over {@code net} whose class embedding matters: random values instead of the small init. */
    private DiffusionPipeline guidable(Denoiser net) {
        Tensors.copyInto(net.parameters().stream().filter(p -> p.name().contains("class_embedding")).findFirst().orElseThrow()
                .array(), new Rng(5).gaussians(4 * 32));
        return new DiffusionPipeline(net, SamplerConfig.of("ddim", 0, "trailing", "beta", false).build(diffusion));
    }

    /** Two 8x8 inputs at t = 500 with classes 0 and 2, and the network's two branches, each computed on its own. */
    private record Branches(NDArray x, NDArray cls, float[] cond, float[] uncond) {
    }

    private static Branches branches(NDManager m, Denoiser net) {
        NDArray x = m.create(new Rng(1).gaussians(2 * 64), new Shape(2, 1, 8, 8));
        NDArray cls = m.create(new float[] {0, 2});
        float[] cond = net.forward(x, m.full(new Shape(2), 500f), cls, false).toFloatArray();
        float[] uncond = net.forward(x, m.full(new Shape(2), 500f), m.full(new Shape(2), -1f), false).toFloatArray(); // class -1: none
        return new Branches(x, cls, cond, uncond);
    }

    @Test
    void guidanceIsCondPlusWTimesCondMinusUncondInOneBatchedCall() {
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = conditional(m)) {
            DiffusionPipeline p = guidable(net);
            Branches b = branches(m, net);
            NDArray x = b.x();
            NDArray cls = b.cls();
            float[] cond = b.cond();
            float[] uncond = b.uncond();
            long before = net.forwardCalls();
            float[] guided = p.predict(x, 500, cls, Guidance.of(2.0)).toFloatArray();
            assertEquals(1, net.forwardCalls() - before, "both branches in one call");
            boolean differs = false;
            for (int i = 0; i < guided.length; i++) {
                assertEquals(cond[i] + 2.0 * (cond[i] - uncond[i]), guided[i], 1e-4);
                differs |= Math.abs(cond[i] - uncond[i]) > 1e-4;
            }
            assertTrue(differs, "the class changes the output");
            float[] w0 = p.predict(x, 500, cls, Guidance.of(0.0)).toFloatArray();
            assertArrayEquals(cond, w0, 1e-5f, "w = 0 is the plain conditional model");
        }
    }

    @Test
    void guidanceRescaleMatchesTheFormulaComputedInDouble() {
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = conditional(m)) {
            DiffusionPipeline p = guidable(net);
            Branches b = branches(m, net);
            float[] cond = b.cond();
            float[] uncond = b.uncond();
            double w = 3.0;
            for (double phi : new double[] {0.0, 0.7, 1.0}) {
                float[] got = p.predict(b.x(), 500, b.cls(), Guidance.of(w).withRescale(phi)).toFloatArray();
                for (int img = 0; img < 2; img++) {
                    double[] g = new double[64];
                    double[] c = new double[64];
                    for (int i = 0; i < 64; i++) {
                        c[i] = cond[img * 64 + i];
                        g[i] = c[i] + w * (c[i] - uncond[img * 64 + i]);
                    }
                    double ratio = std(c) / std(g);
                    for (int i = 0; i < 64; i++) {
                        double want = phi * g[i] * ratio + (1 - phi) * g[i];
                        assertEquals(want, got[img * 64 + i], 1e-4 * Math.max(1, Math.abs(want)), "phi " + phi + " image " + img + " value " + i);
                    }
                    if (phi == 1.0) {
                        double[] out = new double[64];
                        for (int i = 0; i < 64; i++) {
                            out[i] = got[img * 64 + i];
                        }
                        assertEquals(std(c), std(out), 1e-4, "phi 1: the guided output has the conditional output's spread");
                        assertTrue(std(g) > 1.2 * std(c), "guidance inflated the spread in the first place");
                    }
                }
            }
        }
    }

    @Test
    void guidanceIntervalGuidesOnlyTheNoiseLevelsInsideIt() {
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = conditional(m)) {
            DiffusionPipeline p = guidable(net);
            Branches b = branches(m, net); // t = 500 of T = 1000: noise level 0.5
            double w = 2.0;
            float[] inside = p.predict(b.x(), 500, b.cls(), Guidance.of(w).withInterval(0.4, 0.5)).toFloatArray();
            for (int i = 0; i < inside.length; i++) {
                assertEquals(b.cond()[i] + w * (b.cond()[i] - b.uncond()[i]), inside[i], 1e-4, "0.5 is inside [0.4, 0.5]");
            }
            for (Guidance outside : new Guidance[] {Guidance.of(w).withInterval(0.51, 1.0), Guidance.of(w).withRescale(0.7).withInterval(0.0, 0.49)}) {
                long before = net.forwardCalls();
                assertArrayEquals(b.cond(), p.predict(b.x(), 500, b.cls(), outside).toFloatArray(), 1e-5f,
                        "outside " + outside.from() + ":" + outside.to() + " the conditional model runs alone");
                assertEquals(1, net.forwardCalls() - before);
            }
        }
    }

    @Test
    void autoguidancePushesAwayFromTheWeakNetworkGivenTheSameClass() {
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = conditional(m);
                Denoiser weak = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny(), 3), m, new Rng(9))) {
            DiffusionPipeline p = guidable(net).withGuide(weak);
            Branches b = branches(m, net);
            float[] bad = weak.forward(b.x(), m.full(new Shape(2), 500f), b.cls(), false).toFloatArray();
            double w = 1.5;
            long good0 = net.forwardCalls();
            long weak0 = weak.forwardCalls();
            float[] got = p.predict(b.x(), 500, b.cls(), Guidance.autoguidance(w, 0)).toFloatArray();
            assertEquals(1, net.forwardCalls() - good0, "one call of the good network");
            assertEquals(1, weak.forwardCalls() - weak0, "one call of the weak network");
            boolean differs = false;
            for (int i = 0; i < got.length; i++) {
                assertEquals(b.cond()[i] + w * (b.cond()[i] - bad[i]), got[i], 1e-4, "value " + i);
                differs |= Math.abs(bad[i] - b.uncond()[i]) > 1e-3;
            }
            assertTrue(differs, "the weak network's output, not the unconditional branch, is pushed away from");
            double c = 0.4; // plus classifier-free guidance: both branches of the good network in one call, the weak one in another
            good0 = net.forwardCalls();
            weak0 = weak.forwardCalls();
            float[] both = p.predict(b.x(), 500, b.cls(), Guidance.autoguidance(w, c)).toFloatArray();
            assertEquals(1, net.forwardCalls() - good0, "cond and uncond in one call");
            assertEquals(1, weak.forwardCalls() - weak0);
            for (int i = 0; i < both.length; i++) {
                double want = b.cond()[i] + w * (b.cond()[i] - bad[i]) + c * (b.cond()[i] - b.uncond()[i]);
                assertEquals(want, both[i], 1e-4, "value " + i);
            }
            long weak1 = weak.forwardCalls();
            assertArrayEquals(b.cond(), p.predict(b.x(), 500, b.cls(), Guidance.autoguidance(w, 0).withInterval(0.6, 1.0)).toFloatArray(), 1e-5f,
                    "outside the interval the good network runs alone");
            assertEquals(weak1, weak.forwardCalls(), "and the weak one is not called");
        }
    }

    @Test
    void autoguidanceWorksForUnconditionalNetworksAndRefusesAMismatchedGuide() {
        try (NDManager m = NDManager.newBaseManager();
                Denoiser good = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny(), 0), m, new Rng(1));
                Denoiser weak = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny(), 0), m, new Rng(2));
                Denoiser classes = conditional(m)) {
            DiffusionPipeline p = new DiffusionPipeline(good, SamplerConfig.of("ddim", 0, "trailing", "beta", false).build(diffusion));
            NDArray x = m.create(new Rng(3).gaussians(2 * 64), new Shape(2, 1, 8, 8));
            float[] g = good.forward(x, m.full(new Shape(2), 300f), false).toFloatArray();
            float[] bad = weak.forward(x, m.full(new Shape(2), 300f), false).toFloatArray();
            float[] got = p.withGuide(weak).predict(x, 300, null, Guidance.autoguidance(2.0, 0)).toFloatArray();
            for (int i = 0; i < got.length; i++) {
                assertEquals(g[i] + 2.0 * (g[i] - bad[i]), got[i], 1e-4, "value " + i);
            }
            assertArrayEquals(g, p.predict(x, 300, null, Guidance.of(2.0)).toFloatArray(), 1e-6f, "no guide: nothing to guide an unconditional net with");
            org.ddpm4j.DdpmException e = org.junit.jupiter.api.Assertions.assertThrows(org.ddpm4j.DdpmException.class, () -> p.withGuide(classes));
            assertTrue(e.getMessage().startsWith("the guide network must draw the same images and classes"), e.getMessage());
        }
    }

    @Test
    void projectedGuidanceWeightsThePartAlongTheConditionalX0ComputedInDouble() {
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = conditional(m)) {
            DiffusionPipeline p = guidable(net);
            Branches b = branches(m, net); // v prediction at t = 500
            float[] x = b.x().toFloatArray();
            double ab = diffusion.schedule().alphaBar(500);
            double k = -Math.sqrt(1 - ab); // d x0 / d v
            double w = 2.0;
            for (double eta : new double[] {0.0, 0.3, 1.0}) {
                float[] got = p.predict(b.x(), 500, b.cls(), Guidance.of(w).withParallel(eta)).toFloatArray();
                for (int img = 0; img < 2; img++) {
                    double[] x0c = new double[64];
                    double[] dx0 = new double[64];
                    double norm = 0;
                    for (int i = 0; i < 64; i++) {
                        int j = img * 64 + i;
                        x0c[i] = Math.sqrt(ab) * x[j] + k * b.cond()[j];
                        dx0[i] = k * (b.cond()[j] - b.uncond()[j]);
                        norm += x0c[i] * x0c[i];
                    }
                    double along = 0;
                    for (int i = 0; i < 64; i++) {
                        along += dx0[i] * x0c[i] / Math.sqrt(norm);
                    }
                    double moved = 0; // x0(guided) - x0(cond) along x0(cond)
                    for (int i = 0; i < 64; i++) {
                        int j = img * 64 + i;
                        double par = along * x0c[i] / Math.sqrt(norm);
                        double want = b.cond()[j] + w * (dx0[i] - (1 - eta) * par) / k;
                        assertEquals(want, got[j], 1e-4 * Math.max(1, Math.abs(want)), "eta " + eta + " image " + img + " value " + i);
                        moved += k * (got[j] - b.cond()[j]) * x0c[i] / Math.sqrt(norm);
                    }
                    assertTrue(Math.abs(along) > 1e-3, "the guidance has a part along x0(cond) to weight");
                    assertEquals(w * eta * along, moved, 1e-3 * Math.max(1, Math.abs(along)), "eta " + eta + ": guided x0 moves eta times as far along x0(cond)");
                }
            }
            org.ddpm4j.DdpmException e = org.junit.jupiter.api.Assertions.assertThrows(org.ddpm4j.DdpmException.class,
                    () -> Guidance.of(1).withParallel(1.5));
            assertEquals("guidance-parallel: must be in [0, 1], got 1.5", e.getMessage());
            assertEquals("--guidance-parallel must be in [0, 1], got 1.5", e.flagMessage());
        }
    }

    @Test
    void guidanceIntervalChecksItsBounds() {
        assertTrue(Guidance.of(1).withInterval(0.2, 0.8).guides(200, 1000));
        assertTrue(Guidance.of(1).withInterval(0.2, 0.8).guides(800, 1000));
        assertTrue(!Guidance.of(1).withInterval(0.2, 0.8).guides(199, 1000));
        assertTrue(!Guidance.of(1).withInterval(0.2, 0.8).guides(801, 1000));
        assertTrue(!Guidance.of(0).guides(500, 1000), "scale 0 never guides");
        assertArrayEquals(new double[] {0.25, 0.75}, Guidance.parseInterval(" 0.25 : 0.75"), 0);
        for (String bad : new String[] {"0.8:0.2", "-0.1:0.5", "0.2:1.5", "0.5", "a:b", "0.1:0.2:0.3"}) {
            org.ddpm4j.DdpmException e = org.junit.jupiter.api.Assertions.assertThrows(org.ddpm4j.DdpmException.class, () -> {
                double[] iv = Guidance.parseInterval(bad);
                Guidance.of(1).withInterval(iv[0], iv[1]);
            }, bad);
            assertTrue(e.flagMessage().startsWith("--guidance-interval must be FROM:TO with 0 <= FROM <= TO <= 1"), e.flagMessage());
        }
    }

    private static double std(double[] v) {
        double mean = 0;
        for (double d : v) {
            mean += d / v.length;
        }
        double var = 0;
        for (double d : v) {
            var += (d - mean) * (d - mean) / v.length;
        }
        return Math.sqrt(var);
    }

    @Test
    void samplingOnAnotherThreadGivesTheSameImagesAndRecordsNoGraph() throws Exception {
        // PyTorch's grad mode is per thread; DJL turns it off only where the engine was loaded. A fresh thread
        // (the studio's worker) must sample exactly as the main thread does, and the weights must stay loadable.
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = conditional(m)) {
            DiffusionPipeline p = new DiffusionPipeline(net, SamplerConfig.of("ddim", 0, "trailing", "beta", true).build(diffusion));
            float[] here = p.generate(2, 4, 8, new Rng(3), StepListener.NONE, new int[] {0, 1}, 1.5);
            float[][] there = new float[1][];
            Thread t = new Thread(() -> {
                Tensors.copyInto(net.parameters().get(0).array(), net.parameters().get(0).array().toFloatArray()); // a weight load
                there[0] = p.generate(2, 4, 8, new Rng(3), StepListener.NONE, new int[] {0, 1}, 1.5);
                assertTrue(!ai.djl.pytorch.jni.JniUtils.isGradMode());
            });
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            t.setUncaughtExceptionHandler((th, e) -> failure.set(e));
            t.start();
            t.join();
            if (failure.get() != null) {
                throw new AssertionError("sampling on a new thread failed", failure.get());
            }
            assertArrayEquals(here, there[0]);
        }
    }

    @Test
    void samplingMakesOneNetworkCallPerStepEvenWithGuidance() {
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = conditional(m)) {
            DiffusionPipeline p = new DiffusionPipeline(net, SamplerConfig.of("dpm++", 0, "trailing", "beta", true).build(diffusion));
            long before = net.forwardCalls();
            float[] out = p.generate(3, 7, 8, new Rng(2), StepListener.NONE, new int[] {0, 1, 2}, 3.0);
            assertEquals(7, net.forwardCalls() - before);
            assertEquals(3 * 64, out.length);
        }
    }

    @Test
    void inpaintingKeepsTheUnmaskedPixelsExactly() {
        try (NDManager m = NDManager.newBaseManager();
                Denoiser net = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny()), m, new Rng(0))) {
            float[] image = new Rng(3).gaussians(64);
            for (int i = 0; i < 64; i++) {
                image[i] = Math.max(-1, Math.min(1, image[i] * 0.5f));
            }
            float[] mask = new float[64];
            for (int i = 0; i < 64; i++) {
                mask[i] = (i % 8) < 4 ? 1 : 0; // regenerate the left half
            }
            for (String sampler : new String[] {"ddpm", "ddim"}) {
                DiffusionPipeline p = new DiffusionPipeline(net,
                        SamplerConfig.of(sampler, 1.0, "linspace", "posterior", true).build(diffusion), diffusion);
                long before = net.forwardCalls();
                float[] out = p.inpaint(image, mask, 3, 6, 3, new Rng(4), StepListener.NONE, -1, 0);
                assertEquals(5 * 3 + 1, net.forwardCalls() - before, "resample x steps, one call at the last step");
                boolean changed = false;
                for (int k = 0; k < 3; k++) {
                    for (int i = 0; i < 64; i++) {
                        if (mask[i] == 0) {
                            assertEquals(image[i], out[k * 64 + i], 0f, sampler + ": kept pixel " + i);
                        } else {
                            changed |= out[k * 64 + i] != image[i];
                        }
                    }
                }
                assertTrue(changed, "masked pixels are regenerated");
            }
        }
    }

    @Test
    void imageIDependsOnlyOnSeedIndexAndClassNotOnBatching() {
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = conditional(m)) {
            int n = 64;
            int per = 64;
            int[] classes = new int[n];
            for (int i = 0; i < n; i++) {
                classes[i] = i % 3;
            }
            for (String kind : new String[] {"ddpm", "ddim"}) {
                DiffusionPipeline p = new DiffusionPipeline(net, SamplerConfig.of(kind, 1.0, "trailing", "posterior", true).build(diffusion));
                float[] ref = p.generate(n, 6, 64, new Rng(42), StepListener.NONE, classes, 1.5);
                // every random number an image uses is its own; only the network's float rounding depends on the
                // batch (oneDNN picks kernels by batch size), which moves values by about 1e-6
                for (int batch : new int[] {1, 7}) {
                    float[] other = p.generate(n, 6, batch, new Rng(42), StepListener.NONE, classes, 1.5);
                    assertTrue(maxDiff(ref, other, 0, n * per) < 1e-4, kind + ": batch " + batch + " against 64: " + maxDiff(ref, other, 0, n * per));
                }
                // fewer images: the first ones are the same images
                float[] first7 = p.generate(7, 6, 4, new Rng(42), StepListener.NONE, java.util.Arrays.copyOf(classes, 7), 1.5);
                assertTrue(maxDiff(ref, first7, 0, 7 * per) < 1e-4, kind + ": the first 7 of 64");
                float[] otherSeed = p.generate(7, 6, 4, new Rng(43), StepListener.NONE, java.util.Arrays.copyOf(classes, 7), 1.5);
                assertTrue(maxDiff(ref, otherSeed, 0, 7 * per) > 0.1, "another seed, other images");
            }
            // inpainting candidates too: candidate i is the same whether 2 or 5 are asked for
            DiffusionPipeline p = new DiffusionPipeline(net, SamplerConfig.of("ddpm", 0, "linspace", "posterior", true).build(diffusion), diffusion);
            float[] image = new Rng(3).gaussians(per);
            float[] mask = new float[per];
            for (int i = 0; i < per; i += 2) {
                mask[i] = 1;
            }
            float[] two = p.inpaint(image, mask, 2, 5, 2, new Rng(9), StepListener.NONE, 1, 1.0);
            float[] five = p.inpaint(image, mask, 5, 5, 2, new Rng(9), StepListener.NONE, 1, 1.0);
            assertTrue(maxDiff(two, five, 0, 2 * per) < 1e-4, "inpainting candidates 0 and 1 of 2 and of 5");
        }
    }

    private static double maxDiff(float[] a, float[] b, int from, int to) {
        double d = 0;
        for (int i = from; i < to; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }
}
