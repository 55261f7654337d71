package org.ddpm4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Evaluation;
import org.ddpm4j.api.Generation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ./ddpm eval}: the quality meter. Generates N images from a run and reports the domain FID
 * (Fréchet distance of classifier features against the real images of the run's class), the classifier's
 * accuracy on them, and sampling images/s, as one JSON line plus a table.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Generate N images from a run and report domain FID, class accuracy and sampling speed.")
final class EvalCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--run", required = true, description = "Run directory written by ./ddpm train.")
    Path run;

    @Option(names = "--n", defaultValue = "500", description = "Images to generate. Default: ${DEFAULT-VALUE}.")
    int n;

    @Option(names = "--batch", defaultValue = "250", description = "Images generated at once. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Mixin
    SamplerOptions samplerOptions = new SamplerOptions();

    @Option(names = "--real", description = "Score --n random real images of the run's data instead of generated ones "
            + "(the floor that FID can reach at this --n).")
    boolean real;

    @Mixin
    RequestOptions request = new RequestOptions();

    @Option(names = "--meter", defaultValue = "3", description = "Meter version: 3 (default), or 2 for numbers measured "
            + "before 2026-11-28 (a weaker classifier; scores of different meters are not comparable).")
    int meterVersion;

    @Option(names = "--no-unguided", description = "On a guided class-conditional run, skip the second scoring of the same seeds "
            + "without guidance (fid_unguided, guidance_fid_cost), which takes about half the time again.")
    boolean noUnguided;

    @picocli.CommandLine.Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    @Override
    public Integer call() {
        org.ddpm4j.api.ComputeDevice device = deviceOptions.device(); // before any work
        if (n < 10 || n > 100_000) {
            throw new DdpmException("--n must be in 10..100000, got " + n);
        }
        if (batch < 1 || batch > 4096) {
            throw new DdpmException("--batch must be in 1..4096, got " + batch);
        }
        Generation.Builder b = samplerOptions.apply(Generation.builder().batch(batch));
        try (DiffusionModel model = DiffusionModel.open(run, samplerOptions.weights(), device)) {
            SamplerOptions.sayWeights(main.err, model);
            String cls = model.conditional() && request.classOption == null ? "all" : request.classOption;
            try (DiffusionModel weak = request.openGuide(model, samplerOptions.weights())) {
                Generation g = request.request(b, model, weak, cls);
                if (!real) {
                    RequestOptions.sayTimePoints(main.err, model, g);
                }
                Evaluation e = Evaluation.builder().count(n).settings(g).meter(meterVersion).realImages(real).build();
                Evaluation.Result r = model.evaluate(e, main.err, SampleCommand.progress(main.err, "sample", null));
                Evaluation.Result unguided = null;
                if (!real && !noUnguided && guided(model, g)) {
                    // the cost of the guidance: the same seeds and classes, drawn by the plain conditional model
                    Generation plain = g.toBuilder().guide(org.ddpm4j.api.Guide.none()).build();
                    unguided = model.evaluate(Evaluation.builder().count(n).settings(plain).meter(meterVersion).build(), main.err,
                            SampleCommand.progress(main.err, "unguided", null));
                }
                new EvalReport(run, real, request.seed, request.guidance.guideRun).print(main.out, model, g, r, weak != null, unguided);
            }
        }
        return 0;
    }

    /** True for a class-conditional run sampled with some guidance that is not built in (a distilled student's is). */
    static boolean guided(DiffusionModel model, Generation g) {
        if (!model.conditional() || model.distilledSteps().isPresent()) {
            return false;
        }
        org.ddpm4j.pipeline.Guidance w = model.guide(g).settings();
        return w.weight(org.ddpm4j.pipeline.Guidance.Away.UNCONDITIONAL) > 0 || w.weight(org.ddpm4j.pipeline.Guidance.Away.WEAK_NETWORK) > 0;
    }
}
