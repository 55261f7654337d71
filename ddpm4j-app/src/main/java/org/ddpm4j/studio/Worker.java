package org.ddpm4j.studio;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.image.Images;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.pipeline.DiffusionPipeline;
import org.ddpm4j.pipeline.StepListener;
import org.ddpm4j.util.Rng;

/**
 * The studio's work, run on the queue's single worker thread: loads networks (keeping the last two), runs
 * the sampling or inpainting pipeline and streams frames of x_t and the predicted x0 as it goes.
 */
final class Worker implements AutoCloseable {

    /** At most this many frames are streamed per job (the last step always is). */
    static final int MAX_FRAMES = 50;
    /** Frames show at most this many images (the final grid shows all). */
    static final int FRAME_IMAGES = 16;
    /** Networks kept loaded. */
    private static final int KEPT_MODELS = 2;
    /** Images per network call, as {@code ./ddpm sample}'s default --batch, so the same seed gives the same images. */
    static final int BATCH = 64;

    private record Loaded(Run run, NDManager manager, Denoiser net) implements AutoCloseable {
        @Override
        public void close() {
            net.close();
            manager.close();
        }
    }

    private final Map<String, Loaded> models = new LinkedHashMap<>(4, 0.75f, true);

    /** Runs a generation and streams it into {@code job}. */
    void generate(Job job, Run run, Requests.Generate g) {
        Denoiser net = model(g.run(), run);
        ModelConfig mc = net.config();
        int[] cls = null;
        if (g.cls() >= 0) {
            cls = new int[g.count()];
            Arrays.fill(cls, g.cls());
        }
        float[] imgs = new DiffusionPipeline(net, g.config().build(run.diffusion().build()))
                .generate(g.count(), g.steps(), BATCH, new Rng(g.seed()), frames(job, g.steps(), mc), cls, g.guidance());
        List<BufferedImage> pics = pictures(imgs, g.count(), mc);
        byte[] png = Images.pngBytes(Images.overview(pics, 0));
        job.result(png);
        JsonObject done = new JsonObject();
        done.addProperty("grid", dataUrl(png));
        done.addProperty("images", g.count());
        done.addProperty("download", "/api/jobs/" + job.id + "/result.png");
        job.finish(Job.State.DONE, "done", done);
    }

    /** Runs an inpainting and streams it into {@code job}; the result is a panel of input, mask and completions. */
    void inpaint(Job job, Run run, Requests.Inpaint r) {
        Denoiser net = model(r.run(), run);
        ModelConfig mc = net.config();
        GaussianDiffusion diffusion = run.diffusion().build();
        float[] out = new DiffusionPipeline(net, r.config().build(diffusion), diffusion).inpaint(r.image(), r.mask(), r.count(),
                r.steps(), r.resample(), new Rng(r.seed()), frames(job, r.steps(), mc), r.cls(), r.guidance());
        List<BufferedImage> pics = pictures(out, r.count(), mc);
        byte[] grid = Images.pngBytes(Images.grid(pics, (int) Math.ceil(Math.sqrt(pics.size())), 2));
        List<BufferedImage> panel = new ArrayList<>();
        panel.add(Images.toImage(r.image(), 0, mc.channels(), mc.size(), mc.size()));
        panel.add(Images.maskImage(r.mask(), mc.size()));
        panel.addAll(pics);
        job.result(Images.pngBytes(Images.grid(panel, panel.size(), 2)));
        JsonObject done = new JsonObject();
        done.addProperty("grid", dataUrl(grid));
        done.addProperty("images", r.count());
        done.addProperty("download", "/api/jobs/" + job.id + "/result.png");
        job.finish(Job.State.DONE, "done", done);
    }

    /**
     * The listener that streams a job: it records progress, stops the work when a cancel was asked for
     * (at the next network call), and sends every k-th step's x_t and predicted x0 (at most
     * {@link #MAX_FRAMES} frames, always the last step).
     */
    static StepListener frames(Job job, int steps, ModelConfig mc) {
        int every = Math.max(1, (int) Math.ceil(steps / (double) MAX_FRAMES));
        return (i, total, t, x, x0) -> {
            job.progress(i, total);
            if (job.cancelRequested()) {
                throw new JobQueue.Cancelled();
            }
            if (i % every == 0 || i == total || i == 1) {
                JsonObject f = new JsonObject();
                f.addProperty("step", i);
                f.addProperty("total", total);
                f.addProperty("t", t);
                f.addProperty("xt", dataUrl(framePng(x, mc)));
                f.addProperty("x0", dataUrl(framePng(x0, mc)));
                job.emit("frame", f);
            }
        };
    }

    private static byte[] framePng(NDArray batch, ModelConfig mc) {
        int n = (int) Math.min(FRAME_IMAGES, batch.getShape().get(0));
        float[] v = batch.get("0:" + n).toFloatArray();
        List<BufferedImage> pics = pictures(v, n, mc);
        return Images.pngBytes(Images.grid(pics, (int) Math.ceil(Math.sqrt(n)), 2));
    }

    private static List<BufferedImage> pictures(float[] imgs, int n, ModelConfig mc) {
        return Images.toImages(imgs, n, mc.channels(), mc.size());
    }

    static String dataUrl(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    /** The run's network with its EMA weights, loaded once per checkpoint version. */
    private Denoiser model(String name, Run run) {
        Loaded l = models.get(name);
        if (l != null && l.run() == run) {
            return l.net();
        }
        if (l != null) {
            models.remove(name).close();
        }
        while (models.size() >= KEPT_MODELS) {
            String eldest = models.keySet().iterator().next();
            models.remove(eldest).close();
        }
        NDManager m = NDManager.newBaseManager();
        try {
            Loaded fresh = new Loaded(run, m, run.loadModel(m, true));
            models.put(name, fresh);
            return fresh.net();
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    @Override
    public void close() {
        models.values().forEach(Loaded::close);
        models.clear();
    }
}
