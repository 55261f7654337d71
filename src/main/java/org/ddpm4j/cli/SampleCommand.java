package org.ddpm4j.cli;

import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.image.Images;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.pipeline.DiffusionPipeline;
import org.ddpm4j.sampler.SamplerConfig;
import org.ddpm4j.sampler.Sampler;
import org.ddpm4j.util.AtomicFiles;
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

    @Option(names = "--sampler", description = "Sampler: ddpm (ancestral), ddim or dpm++ (default: seed runs ddpm, U-Net runs "
            + DEFAULT_UNET_SAMPLER + ").")
    String sampler;

    @Option(names = "--steps", description = "Network calls per image (default: seed runs all T, U-Net runs " + DEFAULT_UNET_STEPS + ").")
    Integer steps;

    @Option(names = "--eta", defaultValue = "0", description = "DDIM eta: 0 deterministic, 1 ancestral. Default: ${DEFAULT-VALUE}.")
    double eta;

    @Option(names = "--spacing", description = "Timestep spacing: linspace, leading or trailing (default: seed linspace, U-Net trailing).")
    String spacing;

    @Option(names = "--variance", defaultValue = "beta", description = "ddpm variance: beta (the seed's) or posterior. Default: ${DEFAULT-VALUE}.")
    String variance;

    @Option(names = "--clip-x0", negatable = true, description = "Clip the predicted x0 to [-1, 1] (default: off for seed runs, on for U-Net runs).")
    Boolean clipX0;

    static final String DEFAULT_UNET_SAMPLER = "ddim";
    static final int DEFAULT_UNET_STEPS = 20;

    /** The default sampler of a model: the seed's for the seed network, a fast one for the U-Net. */
    static SamplerConfig defaultSampler(ModelConfig mc) {
        return ModelConfig.SEED.equals(mc.type()) ? SamplerConfig.seed()
                : new SamplerConfig(DEFAULT_UNET_SAMPLER, 0, "trailing", "beta", true);
    }

    static int defaultSteps(ModelConfig mc, org.ddpm4j.diffusion.DiffusionConfig dc) {
        return ModelConfig.SEED.equals(mc.type()) ? dc.steps() : Math.min(DEFAULT_UNET_STEPS, dc.steps());
    }

    /** The sampler the flags ask for, on top of the run's default. */
    SamplerConfig samplerConfig(ModelConfig mc) {
        SamplerConfig d = defaultSampler(mc);
        return new SamplerConfig(sampler != null ? sampler : d.name(), eta, spacing != null ? spacing : d.spacing(),
                variance, clipX0 != null ? clipX0 : d.clipX0());
    }

    @Option(names = "--batch", defaultValue = "64", description = "Images generated at once. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Override
    public Integer call() {
        if (n < 1 || n > 100_000) {
            throw new DdpmException("--n must be in 1..100000, got " + n);
        }
        if (batch < 1 || batch > 4096) {
            throw new DdpmException("--batch must be in 1..4096, got " + batch);
        }
        Run r = Run.open(run);
        SamplerConfig sc = samplerConfig(r.model());
        int k = steps == null ? defaultSteps(r.model(), r.diffusion()) : steps;
        AtomicFiles.ensureDirectory(out);
        try (NDManager manager = NDManager.newBaseManager(); Denoiser net = r.loadModel(manager, true)) {
            Sampler s = sc.build(r.diffusion().build());
            float[] imgs = generate(net, s, n, k, batch, new Rng(seed), main.err);
            List<BufferedImage> pics = writeImages(imgs, n, net.config(), out);
            Images.writePng(Images.grid(pics, (int) Math.ceil(Math.sqrt(n)), 2), out.resolve("grid.png"));
        }
        main.out.printf(Locale.ROOT, "wrote %d images and grid.png to %s%n", n, out);
        return 0;
    }

    /** Runs the pipeline with a progress bar over all network calls. */
    static float[] generate(Denoiser net, Sampler s, int n, int steps, int batch, Rng rng, PrintStream err) {
        s.timesteps(steps); // validates the step count before any work
        long batches = (n + batch - 1) / batch;
        long total = batches * steps;
        ProgressBar bar = new ProgressBar(err, "sample", "step");
        long[] done = {0};
        return new DiffusionPipeline(net, s).generate(n, steps, batch, rng, (i, tot, t, x, x0) -> {
            done[0]++;
            bar.update(done[0], total, String.format(Locale.ROOT, "t=%d", t));
        });
    }

    /** Writes {@code 000000.png ...} and returns the pictures. */
    static List<BufferedImage> writeImages(float[] imgs, int n, ModelConfig mc, Path dir) {
        int per = mc.channels() * mc.size() * mc.size();
        List<BufferedImage> pics = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage p = Images.toImage(imgs, i * per, mc.channels(), mc.size(), mc.size());
            Images.writePng(p, dir.resolve(String.format(Locale.ROOT, "%06d.png", i)));
            pics.add(p);
        }
        return pics;
    }
}
