package org.ddpm4j.cli;

import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.image.Images;
import org.ddpm4j.image.Trajectory;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.pipeline.DiffusionPipeline;
import org.ddpm4j.pipeline.Guidance;
import org.ddpm4j.sampler.SamplerConfig;
import org.ddpm4j.sampler.Sampler;
import org.ddpm4j.util.AtomicFiles;
import org.ddpm4j.util.ProgressBar;
import org.ddpm4j.util.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ./ddpm sample}: generates images from a trained run. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Generate images from a trained run: DIR/000000.png ... and DIR/grid.png.")
final class SampleCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--run", required = true, description = "Run directory written by ./ddpm train.")
    Path run;

    @Option(names = "--n", defaultValue = "64", description = "Number of images. Default: ${DEFAULT-VALUE}.")
    int n;

    @Option(names = "--out", required = true, description = "Directory for the PNGs.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed; the same seed gives the same images. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--batch", defaultValue = "64", description = "Images generated at once. Default: ${DEFAULT-VALUE}.")
    int batch;

    @picocli.CommandLine.Mixin
    SamplerOptions samplerOptions = new SamplerOptions();

    @Option(names = "--class", description = "For a conditional run: the class to draw (an index, or name:FOLDER; a non-numeric folder name also works), or 'all' for --n images of every class.")
    String classOption;

    @picocli.CommandLine.Mixin
    GuidanceOptions guidance = new GuidanceOptions();

    static final double DEFAULT_GUIDANCE = SamplerOptions.DEFAULT_GUIDANCE;

    @Option(names = "--gif", description = "Also write an animated GIF of the denoising (x_t beside the predicted x0) of the first batch.")
    Path gif;

    @Override
    public Integer call() {
        if (n < 1 || n > 100_000) {
            throw new DdpmException("--n must be in 1..100000, got " + n);
        }
        if (batch < 1 || batch > 4096) {
            throw new DdpmException("--batch must be in 1..4096, got " + batch);
        }
        Run r = Run.open(run);
        SamplerConfig sc = samplerOptions.config(r.model());
        int k = samplerOptions.steps(r.model(), r.diffusion());
        AtomicFiles.ensureDirectory(out);
        Conditioning cond = Conditioning.resolve(r.model(), r.classNames(), classOption, guidance, n);
        try (NDManager manager = NDManager.newBaseManager(); Denoiser net = r.loadModel(manager, samplerOptions.ema);
                Denoiser guide = guidance.loadGuide(r, manager, samplerOptions.ema)) {
            Sampler s = sc.build(r.diffusion().build());
            int total = cond.classes() == null ? n : cond.classes().length;
            Trajectory traj = gif == null ? null : new Trajectory(Math.min(total, batch), net.config().channels(), net.config().size(), k);
            float[] imgs = generate(net, s, total, k, batch, new Rng(seed), main.err, traj, cond.classes(), cond.guidance(), guide);
            List<BufferedImage> pics = writeImages(imgs, total, net.config(), out);
            Images.writePng(Images.overview(pics, cond.all() ? n : 0), out.resolve("grid.png"));
            if (traj != null) {
                traj.write(gif);
                main.out.printf(Locale.ROOT, "wrote %s (%d frames)%n", gif, traj.frameCount());
            }
        }
        main.out.printf(Locale.ROOT, "wrote %s images and grid.png to %s%n", classOption != null && classOption.equals("all") ? n + " x all classes" : n, out);
        return 0;
    }

    /** Runs the pipeline with a progress bar over all network calls. */
    static float[] generate(Denoiser net, Sampler s, int n, int steps, int batch, Rng rng, PrintStream err) {
        return generate(net, s, n, steps, batch, rng, err, null);
    }

    /** As above, recording the first batch's trajectory into {@code traj} if it is not null. */
    static float[] generate(Denoiser net, Sampler s, int n, int steps, int batch, Rng rng, PrintStream err, Trajectory traj) {
        return generate(net, s, n, steps, batch, rng, err, traj, null, Guidance.of(0), null);
    }

    /** As above, for the given class of each image (or null) with guidance {@code w}, autoguided by {@code guide} if not null. */
    static float[] generate(Denoiser net, Sampler s, int n, int steps, int batch, Rng rng, PrintStream err, Trajectory traj,
            int[] classes, Guidance w, Denoiser guide) {
        s.timesteps(steps); // validates the step count before any work
        long batches = (n + batch - 1) / batch;
        long total = batches * steps;
        ProgressBar bar = new ProgressBar(err, "sample", "step");
        long[] done = {0};
        return new DiffusionPipeline(net, s).withGuide(guide).generate(n, steps, batch, rng, (i, tot, t, x, x0) -> {
            done[0]++;
            if (traj != null && done[0] <= steps) {
                traj.onStep(i, t, x, x0);
            }
            bar.update(done[0], total, String.format(Locale.ROOT, "t=%d", t));
        }, classes, w);
    }

    /** Writes {@code 000000.png ...} and returns the pictures. */
    static List<BufferedImage> writeImages(float[] imgs, int n, ModelConfig mc, Path dir) {
        List<BufferedImage> pics = Images.toImages(imgs, n, mc.channels(), mc.size());
        for (int i = 0; i < n; i++) {
            Images.writePng(pics.get(i), dir.resolve(String.format(Locale.ROOT, "%06d.png", i)));
        }
        return pics;
    }
}
