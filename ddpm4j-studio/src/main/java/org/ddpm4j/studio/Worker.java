package org.ddpm4j.studio;

import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.GeneratedImages;
import org.ddpm4j.api.GenerationListener;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.image.Images;
import org.ddpm4j.model.ModelConfig;

/**
 * The studio's work, run on the queue's single worker thread: opens models (keeping the last two), runs
 * the library's generation or inpainting and streams frames of x_t and the predicted x0 as it goes.
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

    private record Loaded(Run run, long choiceStamp, DiffusionModel model) implements AutoCloseable {
        @Override
        public void close() {
            model.close();
        }
    }

    private final Map<String, Loaded> models = new LinkedHashMap<>(4, 0.75f, true);
    private final org.ddpm4j.api.ComputeDevice device;

    Worker(org.ddpm4j.api.ComputeDevice device) {
        this.device = device;
    }

    /** Runs a generation through the library and streams it into {@code job}. */
    void generate(Job job, Run run, Requests.Generate g) {
        DiffusionModel model = model(g.run(), run);
        ModelConfig mc = run.model();
        GeneratedImages images = model.generate(g.request(), frames(job, mc));
        byte[] png = Images.pngBytes(Images.overview(images.images(), 0));
        job.result(png);
        JsonObject done = new JsonObject();
        done.addProperty("grid", dataUrl(png));
        done.addProperty("images", g.count());
        // "tuned" when the run's schedules.json holds time points for this sampler and step count (./ddpm tune-steps)
        done.addProperty("time_points", model.timePoints(g.request()).origin());
        done.addProperty("download", "/api/jobs/" + job.id + "/result.png");
        job.finish(Job.State.DONE, "done", done);
    }

    /** Runs an inpainting and streams it into {@code job}; the result is a panel of input, mask and completions. */
    void inpaint(Job job, Run run, Requests.Inpaint r) {
        DiffusionModel model = model(r.run(), run);
        ModelConfig mc = run.model();
        org.ddpm4j.api.GeneratedImages result = model.inpaint(r.request(), frames(job, mc));
        List<BufferedImage> pics = result.images();
        byte[] grid = Images.pngBytes(Images.grid(pics, (int) Math.ceil(Math.sqrt(pics.size())), 2));
        List<BufferedImage> panel = result.panel();
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
     * {@link #MAX_FRAMES} frames per batch, always the last step).
     */
    static GenerationListener frames(Job job, ModelConfig mc) {
        return step -> {
            int i = step.index();
            int total = step.steps();
            int every = Math.max(1, (int) Math.ceil(total / (double) MAX_FRAMES));
            job.progress(i, total);
            if (job.cancelRequested()) {
                throw new JobQueue.Cancelled();
            }
            if (i % every == 0 || i == total || i == 1) {
                JsonObject f = new JsonObject();
                f.addProperty("step", i);
                f.addProperty("total", total);
                f.addProperty("t", step.timestep());
                f.addProperty("xt", dataUrl(framePng(step.current(FRAME_IMAGES), mc)));
                f.addProperty("x0", dataUrl(framePng(step.predictedClean(FRAME_IMAGES), mc)));
                job.emit("frame", f);
            }
        };
    }

    private static byte[] framePng(float[] v, ModelConfig mc) {
        int n = v.length / (mc.channels() * mc.size() * mc.size());
        List<BufferedImage> pics = pictures(v, n, mc);
        return Images.pngBytes(Images.grid(pics, (int) Math.ceil(Math.sqrt(n)), 2));
    }

    private static List<BufferedImage> pictures(float[] imgs, int n, ModelConfig mc) {
        return Images.toImages(imgs, n, mc.channels(), mc.size());
    }

    static String dataUrl(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    /**
     * The run's model with the weights sampling uses (the meter's choice, else the EMA), opened once per checkpoint
     * version and choice of weights ({@code ./ddpm weights} may choose while the studio runs).
     */
    DiffusionModel model(String name, Run run) {
        long stamp = choiceStamp(run);
        Loaded l = models.get(name);
        if (l != null && l.run() == run && l.choiceStamp() == stamp) {
            return l.model();
        }
        if (l != null) {
            models.remove(name).close();
        }
        while (models.size() >= KEPT_MODELS) {
            String eldest = models.keySet().iterator().next();
            models.remove(eldest).close();
        }
        Loaded fresh = new Loaded(run, stamp, DiffusionModel.open(run.dir(), DiffusionModel.Weights.BEST, device));
        models.put(name, fresh);
        return fresh.model();
    }

    /** When the run's choice of weights was last written (-1: none). */
    private static long choiceStamp(Run run) {
        try {
            return java.nio.file.Files.getLastModifiedTime(run.dir().resolve(org.ddpm4j.checkpoint.ChosenWeights.FILE)).toMillis();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        models.values().forEach(Loaded::close);
        models.clear();
    }
}
