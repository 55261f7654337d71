package org.ddpm4j.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.GeneratedImages;
import org.ddpm4j.api.Generation;
import org.ddpm4j.api.GenerationListener;
import org.ddpm4j.image.Images;
import org.ddpm4j.image.Trajectory;
import org.ddpm4j.util.AtomicFiles;
import org.ddpm4j.util.ProgressBar;
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

    @Option(names = "--batch", defaultValue = "64", description = "Images generated at once. Default: ${DEFAULT-VALUE}.")
    int batch;

    @picocli.CommandLine.Mixin
    SamplerOptions samplerOptions = new SamplerOptions();

    @picocli.CommandLine.Mixin
    RequestOptions request = new RequestOptions();

    @Option(names = "--gif", description = "Also write an animated GIF of the denoising (x_t beside the predicted x0) of the first batch.")
    Path gif;

    @picocli.CommandLine.Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    @Override
    public Integer call() {
        org.ddpm4j.api.ComputeDevice device = deviceOptions.device(); // before any work
        if (n < 1 || n > 100_000) {
            throw new DdpmException("--n must be in 1..100000, got " + n);
        }
        if (batch < 1 || batch > 4096) {
            throw new DdpmException("--batch must be in 1..4096, got " + batch);
        }
        Generation.Builder b = samplerOptions.apply(Generation.builder().count(n).batch(batch));
        AtomicFiles.ensureDirectory(out);
        try (DiffusionModel model = DiffusionModel.open(run, samplerOptions.weights(), device)) {
            SamplerOptions.sayWeights(main.err, model);
            try (DiffusionModel weak = request.openGuide(model, samplerOptions.weights())) {
                Generation g = request.request(b, model, weak, request.classOption);
                RequestOptions.sayTimePoints(main.err, model, g);
                int steps = model.steps(g);
                int total = g.everyClass() ? n * model.classes() : n;
                Trajectory traj = gif == null ? null : new Trajectory(Math.min(total, batch), model.channels(), model.size(), steps);
                GeneratedImages images = model.generate(g, progress(main.err, "sample", traj));
                images.writePngs(out);
                Images.writePng(Images.overview(images.images(), g.everyClass() ? n : 0), out.resolve("grid.png"));
                if (traj != null) {
                    traj.write(gif);
                    main.out.printf(Locale.ROOT, "wrote %s (%d frames)%n", gif, traj.frameCount());
                }
            }
        }
        main.out.printf(Locale.ROOT, "wrote %s images and grid.png to %s%n", Conditioning.all(request.classOption) ? n + " x all classes" : n, out);
        return 0;
    }

    /** A progress bar over all network calls of a request; the first batch's steps also go to {@code traj} if not null. */
    static GenerationListener progress(PrintStream err, String label, Trajectory traj) {
        ProgressBar bar = new ProgressBar(err, label, "step");
        return step -> {
            if (traj != null && step.batch() == 0 && traj.keeps(step.index())) {
                traj.onStep(step.index(), step.timestep(), step.current(16), step.predictedClean(16));
            }
            bar.update(step.done(), (long) step.steps() * step.batches(), String.format(Locale.ROOT, "t=%d", step.timestep()));
        };
    }
}
