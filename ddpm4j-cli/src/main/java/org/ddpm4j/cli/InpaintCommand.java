package org.ddpm4j.cli;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.GeneratedImages;
import org.ddpm4j.api.Inpainting;
import org.ddpm4j.api.SamplerKind;
import org.ddpm4j.image.Images;
import org.ddpm4j.util.AtomicFiles;
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

    @picocli.CommandLine.Mixin
    RequestOptions request = new RequestOptions();

    @Option(names = "--sampler", defaultValue = "ddpm", description = "ddpm or ddim (multistep solvers cannot resample). Default: ${DEFAULT-VALUE}.")
    String sampler;

    @Option(names = "--steps", defaultValue = "" + org.ddpm4j.api.Defaults.INPAINT_STEPS, description = "Timesteps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--resample", defaultValue = "" + org.ddpm4j.api.Defaults.INPAINT_RESAMPLE, description = "RePaint resampling jumps per step (1 = none). Default: ${DEFAULT-VALUE}.")
    int resample;

    @picocli.CommandLine.Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    @Override
    public Integer call() {
        org.ddpm4j.api.ComputeDevice device = deviceOptions.device(); // before any work
        if (n < 1 || n > 256) {
            throw new DdpmException("--n must be in 1..256, got " + n);
        }
        if (resample < 1 || resample > 50) {
            throw new DdpmException("--resample must be in 1..50, got " + resample);
        }
        org.ddpm4j.sampler.SamplerConfig.checkResamples(sampler);
        BufferedImage inPic = Images.read(image, INPUT_PIXELS);
        BufferedImage maskPic = Images.read(mask, INPUT_PIXELS);
        AtomicFiles.ensureDirectory(out);
        GeneratedImages result;
        try (DiffusionModel model = DiffusionModel.open(run, DiffusionModel.Weights.BEST, device)) {
            Images.toTensor(inPic, model.channels(), model.size(), "the image"); // in the reader's words, before any work
            Images.toMask(maskPic, model.size());
            Conditioning.check(model.conditional(), request.classOption, request.guidance);
            Inpainting.Builder b = Inpainting.of(inPic, maskPic).count(n).sampler(SamplerKind.of(sampler)).steps(steps)
                    .resample(resample).seed(request.seed);
            if (request.classOption != null) {
                b.classIndex(Conditioning.classIndex(model, request.classOption));
            }
            try (DiffusionModel weak = request.openGuide(model, DiffusionModel.Weights.BEST)) {
                result = model.inpaint(b.guide(request.guidance.guide(weak)).build(), SampleCommand.progress(main.err, "inpaint", null));
            }
        }
        result.writePngs(out);
        List<String> captions = new ArrayList<>(List.of("input", "mask"));
        for (int i = 0; i < n; i++) {
            captions.add("#" + i);
        }
        Images.writePng(Images.captioned(result.panel(), captions, Math.max(2, 112 / result.size())), out.resolve("panel.png"));
        main.out.printf(Locale.ROOT, "wrote %d completions and panel.png to %s%n", n, out);
        return 0;
    }
}
