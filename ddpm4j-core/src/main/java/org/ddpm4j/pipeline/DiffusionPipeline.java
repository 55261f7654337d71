package org.ddpm4j.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.ddpm4j.DdpmException;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.sampler.Sampler;
import org.ddpm4j.sampler.StepOutput;
import org.ddpm4j.util.NativeMemory;
import org.ddpm4j.util.Noise;
import org.ddpm4j.util.PerImageNoise;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;

/**
 * The sampling loop: x_T ~ N(0, I), then for each timestep of the sampler run the network and take one
 * sampler step; returns the final images in [-1, 1] (unclamped). Also classifier-free guidance and
 * RePaint inpainting, which need the network and the diffusion process together.
 */
public final class DiffusionPipeline {

    private final Denoiser model;
    private final Sampler sampler;
    private final GaussianDiffusion diffusion;
    private final Denoiser guide;

    public DiffusionPipeline(Denoiser model, Sampler sampler) {
        this(model, sampler, null);
    }

    /** A pipeline that can also inpaint (it needs q(x_t | x_0) of {@code diffusion}). */
    public DiffusionPipeline(Denoiser model, Sampler sampler, GaussianDiffusion diffusion) {
        this(model, sampler, diffusion, null);
    }

    private DiffusionPipeline(Denoiser model, Sampler sampler, GaussianDiffusion diffusion, Denoiser guide) {
        this.model = model;
        this.sampler = sampler;
        this.diffusion = diffusion;
        this.guide = guide;
    }

    /**
     * This pipeline with autoguidance (Karras et al., "Guiding a Diffusion Model with a Bad Version of
     * Itself", arXiv 2406.02507): the guidance pushes away from {@code weak}, a less-trained or smaller
     * network of the same images, diffusion and classes, instead of from the unconditional branch:
     * out = good + w (good - weak), both given the same class. It works for unconditional networks too.
     * A null {@code weak} means no guide network: this pipeline as it is.
     */
    public DiffusionPipeline withGuide(Denoiser weak) {
        if (weak == null) {
            return this;
        }
        String why = guideMismatch(model.config(), weak.config());
        if (why != null) {
            throw new DdpmException("the guide network must draw the same images and classes as the main one: " + why);
        }
        return new DiffusionPipeline(model, sampler, diffusion, weak);
    }

    /** Why a network of config {@code weak} cannot guide one of config {@code good} (image shape, classes), or null. */
    public static String guideMismatch(ModelConfig good, ModelConfig weak) {
        if (good.channels() != weak.channels() || good.size() != weak.size()) {
            return "it draws " + shape(weak) + " images, the run " + shape(good);
        }
        if (good.classes() != weak.classes()) {
            return "it knows " + classes(weak) + ", the run " + classes(good);
        }
        return null;
    }

    private static String shape(ModelConfig m) {
        return m.channels() + "x" + m.size() + "x" + m.size();
    }

    private static String classes(ModelConfig m) {
        return m.conditional() ? m.classes() + " classes" : "no classes";
    }

    /** Generates {@code n} unconditional images in batches of at most {@code batchSize}: (n, C, H, W) floats. */
    public float[] generate(int n, int numSteps, int batchSize, Rng rng, StepListener listener) {
        return generate(n, numSteps, batchSize, rng, listener, null, 0);
    }

    /**
     * Generates {@code n} images; with {@code classes} (one class per image) a conditional network is
     * guided with classifier-free guidance of scale {@code guidance} (see {@link #predict}).
     */
    public float[] generate(int n, int numSteps, int batchSize, Rng rng, StepListener listener, int[] classes, double guidance) {
        return generate(n, numSteps, batchSize, rng, listener, classes, Guidance.of(guidance));
    }

    /** As above, with every guidance setting. */
    public float[] generate(int n, int numSteps, int batchSize, Rng rng, StepListener listener, int[] classes, Guidance guidance) {
        return generate(n, numSteps, batchSize, rng, listener, classes, guidance, 0);
    }

    /**
     * Images {@code first} to {@code first + n - 1} of a request: the same images, bit for bit, as those of a
     * request from image 0 whose batches start at the same indices (oneDNN's rounding depends on the batch size),
     * so a large request splits into slices that together draw exactly its images. {@code classes} has one
     * class per image of the slice.
     */
    public float[] generate(int n, int numSteps, int batchSize, Rng rng, StepListener listener, int[] classes, Guidance guidance,
            long first) {
        int c = model.config().channels();
        int s = model.config().size();
        int per = c * s * s;
        float[] out = new float[n * per];
        long base = rng.nextLong(); // image i's noise is its own stream (base, i): independent of batching
        for (int start = 0; start < n; start += batchSize) {
            int b = Math.min(batchSize, n - start);
            int[] cls = classes == null ? null : Arrays.copyOfRange(classes, start, start + b);
            float[] imgs = generateBatch(b, numSteps, new PerImageNoise(base, first + start, b), listener, cls, guidance);
            System.arraycopy(imgs, 0, out, start * per, imgs.length);
            NativeMemory.trim(); // the batch's tensors are freed: give their pages back (see NativeMemory)
        }
        return out;
    }

    /** One batch of {@code b} images: the whole reverse trajectory, each step in its own scope. */
    private float[] generateBatch(int b, int numSteps, PerImageNoise rng, StepListener listener, int[] classes, Guidance guidance) {
        Shape shape = new Shape(b, model.config().channels(), model.config().size(), model.config().size());
        int[] ts = sampler.timesteps(numSteps);
        sampler.reset();
        Tensors.inferenceOnThisThread();
        try (NDManager m = model.manager().newSubManager()) {
            NDArray cls = classes == null ? null : Tensors.fromJava(m, toFloat(classes));
            NDArray x = Noise.randn(rng, m, shape); // x_T ~ N(0, I)
            for (int i = 0; i < ts.length; i++) {
                int t = ts[i];
                int tPrev = i + 1 < ts.length ? ts[i + 1] : -1;
                try (NDScope scope = new NDScope()) {
                    NDArray out = predict(x, t, cls, guidance);
                    StepOutput so = sampler.step(out, t, tPrev, x, rng);
                    listener.onStep(i + 1, ts.length, t, so.prevSample(), so.predX0());
                    NDScope.unregister(so.prevSample());
                    x.close();
                    x = so.prevSample();
                }
            }
            return x.toFloatArray();
        }
    }

    /**
     * The network's output at (x_t, t), guided as {@link Guidance} describes: out = cond + Σ wᵢ (cond - awayᵢ),
     * each away the unconditional branch (classifier-free guidance) or the guide network given the same class
     * (autoguidance, {@link #withGuide}), then optionally rescaled towards std(cond). The conditional and
     * unconditional branches run as one batched call of 2B images, the guide network in another; steps outside
     * the guidance interval run the conditional branch alone. The unconditional term is skipped without a class.
     */
    NDArray predict(NDArray x, int t, NDArray cls, Guidance g) {
        int b = (int) x.getShape().get(0);
        NDManager m = x.getManager();
        NDArray ts = m.full(new Shape(b), (float) t);
        boolean classFree = cls != null && g.weight(Guidance.Away.UNCONDITIONAL) > 0;
        boolean auto = g.needsWeakNetwork();
        if (auto && guide == null) {
            throw new IllegalStateException("autoguidance needs a guide network (withGuide)");
        }
        if ((!classFree && !auto) || !g.guides(t, sampler.diffusionSteps())) {
            return model.forward(x, ts, cls, false);
        }
        NDArray cond;
        NDArray uncond = null;
        if (classFree) { // both branches of the good network in one call
            NDArray both = model.forward(x.concat(x, 0), m.full(new Shape(2L * b), (float) t),
                    cls.concat(m.full(new Shape(b), -1f), 0), false); // (2B, C, H, W)
            cond = both.get("0:" + b);
            uncond = both.get(b + ":");
        } else {
            cond = model.forward(x, ts, cls, false);
        }
        NDArray weak = auto ? guide.forward(x, ts, cls, false) : null; // given the same class
        NDArray unit = g.parallel() == 1 ? null : unitX0(cond, x, t); // shared by every direction
        NDArray guided = cond;
        for (Guidance.Term term : g.terms()) {
            NDArray away = term.away() == Guidance.Away.WEAK_NETWORK ? weak : uncond;
            if (term.weight() > 0 && away != null) {
                guided = guided.add(direction(cond, away, unit, t, g).mul((float) term.weight()));
            }
        }
        if (g.rescale() == 0) {
            return guided;
        }
        NDArray rescaled = guided.mul(std(cond).div(std(guided)));
        return rescaled.mul((float) g.rescale()).add(guided.mul((float) (1 - g.rescale())));
    }

    /** x0(cond) / |x0(cond)| per image: (B, N), the axis that {@code --guidance-parallel} weights. */
    private NDArray unitX0(NDArray cond, NDArray x, int t) {
        NDArray x0 = sampler.diffusion().predictX0(cond, x, t).reshape(x.getShape().get(0), -1);
        return x0.div(x0.square().sum(new int[] {1}, true).sqrt().add(1e-12f));
    }

    /**
     * cond - away (output space) with its part along x0(cond) weighted by the guidance's η (see {@link Guidance}):
     * in x0 space the direction becomes delta_orth + η delta_par, the projection taken per image onto
     * {@code unit} (from {@link #unitX0}, null when η = 1); mapped back to output space by the same factor.
     */
    private NDArray direction(NDArray cond, NDArray away, NDArray unit, int t, Guidance g) {
        NDArray delta = cond.sub(away);
        if (unit == null) {
            return delta;
        }
        float k = (float) sampler.diffusion().x0Coefficient(t);
        NDArray dx0 = delta.reshape(unit.getShape()).mul(k);
        NDArray par = unit.mul(dx0.mul(unit).sum(new int[] {1}, true)); // (B, N)
        return dx0.sub(par.mul((float) (1 - g.parallel()))).div(k).reshape(delta.getShape());
    }

    /** Standard deviation of each image over all its values: (B, 1, 1, 1). */
    private static NDArray std(NDArray x) {
        long b = x.getShape().get(0);
        NDArray flat = x.reshape(b, -1); // DJL's PyTorch mean takes one axis at a time
        NDArray centred = flat.sub(flat.mean(new int[] {1}, true));
        return centred.square().mean(new int[] {1}, true).sqrt().reshape(b, 1, 1, 1);
    }

    /**
     * RePaint inpainting (Lugmayr et al., arXiv 2201.09865): at every step the kept pixels are replaced by
     * the known image noised to the same level, and each step is repeated {@code resample} times, jumping
     * back with q(x_t | x_t') in between, so the generated region harmonises with the kept one. At the end
     * the kept pixels are exactly the input's.
     *
     * @param image the known image (C, H, W) in [-1, 1]
     * @param mask (H, W): 1 where pixels are regenerated, 0 where they are kept
     * @param cls the class for a conditional network, or -1
     * @return n completions (n, C, H, W)
     */
    public float[] inpaint(float[] image, float[] mask, int n, int numSteps, int resample, Rng rng, StepListener listener,
            int cls, double guidance) {
        return inpaint(image, mask, n, numSteps, resample, rng, listener, cls, Guidance.of(guidance));
    }

    /** As above, with every guidance setting. */
    public float[] inpaint(float[] image, float[] mask, int n, int numSteps, int resample, Rng rng, StepListener listener,
            int cls, Guidance guidance) {
        if (diffusion == null) {
            throw new IllegalStateException("inpainting needs the diffusion process");
        }
        if (resample < 1) {
            throw new org.ddpm4j.SettingException("resample", "must be >= 1, got " + resample);
        }
        int c = model.config().channels();
        int s = model.config().size();
        Shape shape = new Shape(n, c, s, s);
        int[] ts = sampler.timesteps(numSteps);
        sampler.reset();
        Tensors.inferenceOnThisThread();
        PerImageNoise noise = new PerImageNoise(rng.nextLong(), 0, n); // candidate i depends only on (seed, i)
        try (NDManager m = model.manager().newSubManager()) {
            NDArray known = Tensors.fromJava(m, image, new Shape(1, c, s, s)).broadcast(shape); // (n, C, H, W)
            NDArray keep = Tensors.fromJava(m, mask, new Shape(1, 1, s, s)).mul(-1f).add(1f).broadcast(shape); // 1 = kept
            NDArray gen = keep.mul(-1f).add(1f);
            NDArray classes = model.config().conditional() && cls >= 0 ? m.full(new Shape(n), (float) cls) : null;
            NDArray x = Noise.randn(noise, m, shape);
            for (int i = 0; i < ts.length; i++) {
                int t = ts[i];
                int tPrev = i + 1 < ts.length ? ts[i + 1] : -1;
                int reps = tPrev < 0 ? 1 : resample; // nothing to harmonise after the last step
                for (int r = 0; r < reps; r++) {
                    try (NDScope scope = new NDScope()) {
                        StepOutput so = sampler.step(predict(x, t, classes, guidance), t, tPrev, x, noise);
                        NDArray knownPrev = tPrev < 0 ? known
                                : diffusion.addNoise(known, Noise.randn(noise, m, shape), filled(n, tPrev));
                        NDArray next = so.prevSample().mul(gen).add(knownPrev.mul(keep));
                        if (r < reps - 1) {
                            // jump back to t: x_t ~ N(sqrt(a) x_t', (1 - a) I), a = alphaBar_t / alphaBar_t'
                            double a = diffusion.schedule().alphaBar(t) / diffusion.schedule().alphaBar(tPrev);
                            next = next.mul((float) Math.sqrt(a)).add(Noise.randn(noise, m, shape).mul((float) Math.sqrt(1 - a)));
                        } else {
                            listener.onStep(i + 1, ts.length, t, next, so.predX0().mul(gen).add(known.mul(keep)));
                        }
                        NDScope.unregister(next);
                        x.close();
                        x = next;
                    }
                }
            }
            return x.toFloatArray();
        }
    }

    private static int[] filled(int n, int t) {
        int[] a = new int[n];
        Arrays.fill(a, t);
        return a;
    }

    private static float[] toFloat(int[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = a[i];
        }
        return f;
    }
}
