package org.ddpm4j.cli;

import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
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
import org.ddpm4j.util.AtomicFiles;
import org.ddpm4j.util.ProgressBar;
import org.ddpm4j.util.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ./ddpm inpaint}: regenerates the white part of a mask over an image, keeping the rest exactly. */
@Command(name = "inpaint", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Regenerate the white pixels of --mask over --image (black pixels are kept exactly), "
                + "RePaint-style; writes N candidates and a panel of input / mask / results.")
final class InpaintCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    /** Inputs must match the run's size (at most 64x64); anything past a megapixel is refused unread. */
    private static final long INPUT_PIXELS = 1L << 20;

    @Option(names = "--run", required = true, description = "Run directory written by ./ddpm train.")
    Path run;

    @Option(names = "--image", required = true, description = "The image to complete (PNG, JPEG, GIF or BMP, the run's size).")
    Path image;

    @Option(names = "--mask", required = true, description = "Mask of the same size: white = regenerate, black = keep.")
    Path mask;

    @Option(names = "--out", required = true, description = "Directory for the results.")
    Path out;

    @Option(names = "--n", defaultValue = "" + org.ddpm4j.api.Defaults.INPAINT_CANDIDATES, description = "Candidate completions. Default: ${DEFAULT-VALUE}.")
    int n;

    @Option(names = "--class", description = "For a conditional run: the class to draw (an index, or name:FOLDER; a non-numeric folder name also works).")
    String classOption;

    @picocli.CommandLine.Mixin
    GuidanceOptions guidance = new GuidanceOptions();

    @Option(names = "--sampler", defaultValue = "ddpm", description = "ddpm or ddim (multistep solvers cannot resample). Default: ${DEFAULT-VALUE}.")
    String sampler;

    @Option(names = "--steps", defaultValue = "" + org.ddpm4j.api.Defaults.INPAINT_STEPS, description = "Timesteps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--resample", defaultValue = "" + org.ddpm4j.api.Defaults.INPAINT_RESAMPLE, description = "RePaint resampling jumps per step (1 = none). Default: ${DEFAULT-VALUE}.")
    int resample;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public Integer call() {
        if (n < 1 || n > 256) {
            throw new DdpmException("--n must be in 1..256, got " + n);
        }
        if (resample < 1 || resample > 50) {
            throw new DdpmException("--resample must be in 1..50, got " + resample);
        }
        org.ddpm4j.sampler.SamplerConfig.checkResamples(sampler);
        Run r = Run.open(run);
        ModelConfig mc = r.model();
        BufferedImage inPic = Images.read(image, INPUT_PIXELS);
        BufferedImage maskPic = Images.read(mask, INPUT_PIXELS);
        float[] img = Images.toTensor(inPic, mc.channels(), mc.size(), "the image");
        float[] m = Images.toMask(maskPic, mc.size());
        Conditioning cond = Conditioning.resolve(mc, r.classNames(), classOption, guidance, 1);
        int cls = cond.classes() == null ? -1 : cond.classes()[0];
        SamplerConfig sc = org.ddpm4j.api.Defaults.inpaintingSampler(org.ddpm4j.api.SamplerKind.of(sampler));
        AtomicFiles.ensureDirectory(out);
        float[] result;
        try (NDManager manager = NDManager.newBaseManager(); Denoiser net = r.loadModel(manager, true);
                Denoiser guide = guidance.loadGuide(r, manager, true)) {
            var diffusion = r.diffusion().build();
            ProgressBar bar = new ProgressBar(main.err, "inpaint", "step");
            result = new DiffusionPipeline(net, sc.build(diffusion), diffusion).withGuide(guide).inpaint(img, m, n, steps, resample, new Rng(seed),
                    (i, tot, t, x, x0) -> bar.update(i, tot, String.format(Locale.ROOT, "t=%d", t)), cls, cond.guidance());
        }
        List<BufferedImage> pics = SampleCommand.writeImages(result, n, mc, out);
        List<BufferedImage> panel = new ArrayList<>();
        panel.add(Images.toImage(img, 0, mc.channels(), mc.size(), mc.size()));
        panel.add(Images.maskImage(m, mc.size()));
        panel.addAll(pics);
        List<String> captions = new ArrayList<>(List.of("input", "mask"));
        for (int i = 0; i < n; i++) {
            captions.add("#" + i);
        }
        Images.writePng(Images.captioned(panel, captions, Math.max(2, 112 / mc.size())), out.resolve("panel.png"));
        main.out.printf(Locale.ROOT, "wrote %d completions and panel.png to %s%n", n, out);
        return 0;
    }
}
