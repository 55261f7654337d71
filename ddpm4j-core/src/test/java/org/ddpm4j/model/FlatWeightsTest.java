package org.ddpm4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.train.Adam;
import org.ddpm4j.train.DenoisingTask;
import org.ddpm4j.train.DiffusionTrainer;
import org.ddpm4j.train.TrainingTask;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;
import org.junit.jupiter.api.Test;

/**
 * The flat weight buffer against the per-parameter layout it replaced: same values, same gradients bit for bit,
 * and a training step (gradient norm, clipping, AdamW, EMA) that matches today's per-parameter arithmetic, run
 * here as the reference: {@link Adam} over a list of separate weight tensors, the norm summed tensor by tensor,
 * clipping and the EMA applied tensor by tensor.
 */
class FlatWeightsTest {

    private static ModelConfig tiny() {
        return new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny());
    }

    @Test
    void theParametersAreViewsOfOneBuffer() {
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = Denoiser.create(tiny(), m, new Rng(0))) {
            FlatWeights fw = net.flatWeights();
            List<float[]> parts = new ArrayList<>();
            long n = 0;
            for (Denoiser.NamedParameter p : net.parameters()) {
                parts.add(p.array().toFloatArray());
                n += p.array().size();
            }
            assertEquals(n, fw.size());
            assertEquals(net.parameterCount(), fw.size());
            assertArrayEquals(fw.flatten(parts), fw.flat().toFloatArray(), "the buffer holds the weights in parameter order");
            // a write through a parameter lands in the buffer, and one into the buffer shows in the parameter
            NDArray last = net.parameters().get(net.parameters().size() - 1).array();
            last.addi(1f);
            float[] all = fw.flat().toFloatArray();
            assertEquals(parts.get(parts.size() - 1)[0] + 1f, all[all.length - (int) last.size()], 0f);
            Tensors.copyInto(fw.flat(), new float[(int) fw.size()]);
            assertEquals(0f, net.parameters().get(0).array().abs().sum().getFloat(), 0f);
        }
    }

    @Test
    void backwardLeavesTheSameGradientsAsSeparateWeights() {
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = Denoiser.create(tiny(), m, new Rng(0))) {
            NDArray x = Tensors.fromJava(m, new Rng(1).gaussians(3 * 64), new Shape(3, 1, 8, 8));
            NDArray t = Tensors.fromJava(m, new float[] {5, 400, 999});
            float[] flatGrad;
            try (NDScope s = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(net.forward(x, t, true).square().mean());
                flatGrad = net.flatWeights().gradient().toFloatArray();
            }
            List<float[]> separate = new ArrayList<>();
            try (NDScope s = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                Map<Parameter, NDArray> leaves = leaves(net);
                gc.backward(net.forwardWith(leaves, x, t, null, true).square().mean());
                for (Parameter p : net.flatWeights().parameters()) {
                    separate.add(leaves.get(p).getGradient().toFloatArray());
                }
            }
            assertTrue(flatGrad.length > 1000 && maxAbs(flatGrad) > 0);
            assertArrayEquals(net.flatWeights().flatten(separate), flatGrad, "bit for bit");
        }
    }

    @Test
    void aTrainingStepEqualsThePerParameterUpdate() {
        int b = 4;
        ImageSet data = new ImageSet(new Rng(1).gaussians(b * 64), null, b, 1, 8, 8, "noise");
        float[] x0 = new float[b * 64];
        for (int i = 0; i < b; i++) {
            data.copyImage(i, x0, i * 64);
        }
        double clip = 0.05;
        double wd = 0.01;
        float decay = 0.9f;
        TrainConfig cfg = new TrainConfig(TrainConfig.Data.of("mnist", 1), TrainConfig.Budget.steps(100),
                new TrainConfig.Optimiser(b, 2e-3, 0, false, wd, clip, decay), new TrainConfig.Objective(0, false),
                TrainConfig.Conditioning.NONE, 0);
        GaussianDiffusion diffusion = DiffusionConfig.seed().build();
        try (NDManager m = NDManager.newBaseManager();
                Denoiser net = Denoiser.create(tiny(), m, new Rng(0));
                Denoiser ref = Denoiser.create(tiny(), m, new Rng(0))) {
            DiffusionTrainer trainer = new DiffusionTrainer(net, diffusion, cfg, new Rng(2), data);
            // the reference: separate weight tensors, today's per-parameter Adam, norm, clipping and EMA
            Map<Parameter, NDArray> w = leaves(ref);
            List<NDArray> ws = new ArrayList<>();
            List<NDArray> shadow = new ArrayList<>();
            for (Parameter p : ref.flatWeights().parameters()) {
                ws.add(w.get(p));
                shadow.add(w.get(p).duplicate());
            }
            Adam adam = new Adam(ws, m, 0.9, 0.999, 1e-8, wd);
            Rng rng = new Rng(2);
            TrainingTask task = new DenoisingTask(diffusion, cfg);
            boolean clipped = false;
            for (int step = 1; step <= 3; step++) {
                trainer.step(x0, new Shape(b, 1, 8, 8));
                try (NDScope s = new NDScope()) {
                    TrainingTask.Batch batch = task.batch(Tensors.fromJava(m, x0, new Shape(b, 1, 8, 8)), null, rng);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray pred = ref.forwardWith(w, batch.xt(), batch.t(), null, true);
                        gc.backward(pred.sub(batch.target()).square().mean());
                    }
                    double sq = 0;
                    NDArray total = null;
                    for (NDArray a : ws) {
                        NDArray part = a.getGradient().square().sum();
                        total = total == null ? part : total.add(part);
                    }
                    sq = total.getFloat();
                    double norm = Math.sqrt(sq);
                    assertEquals(norm, trainer.lastGradNorm(), 1e-5 * norm, "gradient norm at step " + step);
                    if (norm > clip) {
                        clipped = true;
                        for (NDArray a : ws) {
                            a.getGradient().muli((float) (clip / (norm + 1e-6)));
                        }
                    }
                    adam.step(cfg.optimiser().learningRateAt(step, 100));
                    float d = (float) Math.min(decay, (1.0 + step - 1) / (10.0 + step - 1));
                    for (int i = 0; i < ws.size(); i++) {
                        shadow.get(i).muli(d).addi(ws.get(i).mul(1 - d));
                    }
                }
            }
            assertTrue(clipped, "the test exercises clipping");
            FlatWeights fw = net.flatWeights();
            assertClose(fw.flatten(arrays(ws)), fw.flat().toFloatArray(), "weights");
            assertClose(fw.flatten(arrays(shadow)), trainer.ema().shadow().toFloatArray(), "EMA");
            assertClose(fw.flatten(arrays(adam.firstMoments())), trainer.optimizer().firstMoments().get(0).toFloatArray(), "Adam m");
            assertClose(fw.flatten(arrays(adam.secondMoments())), trainer.optimizer().secondMoments().get(0).toFloatArray(), "Adam v");
        }
    }

    /** A separate leaf tensor with gradients for each parameter, holding its current values. */
    private static Map<Parameter, NDArray> leaves(Denoiser net) {
        Map<Parameter, NDArray> map = new IdentityHashMap<>();
        for (Denoiser.NamedParameter p : net.parameters()) {
            NDArray leaf = p.array().duplicate();
            leaf.setRequiresGradient(true);
            map.put(p.parameter(), leaf);
        }
        return map;
    }

    private static List<float[]> arrays(List<NDArray> list) {
        List<float[]> out = new ArrayList<>();
        for (NDArray a : list) {
            out.add(a.toFloatArray());
        }
        return out;
    }

    /**
     * Equal within float rounding: the one place the two layouts differ is the order of the gradient norm's sum,
     * which moves the clip factor by an ulp or two, so the updates agree to about 1e-6 of the weights' scale.
     */
    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length);
        double scale = Math.max(maxAbs(expected), 1e-12);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= 1e-5 * scale, what + ": largest difference " + worst + " at scale " + scale);
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
