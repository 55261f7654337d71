package org.ddpm4j.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Generation;
import org.ddpm4j.api.SamplerKind;
import org.ddpm4j.api.StepTuning;
import org.ddpm4j.checkpoint.TunedSchedules;
import org.ddpm4j.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ./ddpm tune-steps}: searches the time points of a few-step sampler for one run, scored by the meter. */
@Command(name = "tune-steps", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Search the --steps time points that give a run's sampler the best meter FID, and store them in "
                + "RUN/" + TunedSchedules.FILE + "; sample, eval and the studio then use them for that sampler and step count "
                + "(--spacing overrides). The candidates are scored on images of a seed that eval does not use by default.")
final class TuneStepsCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--run", required = true, description = "Run directory written by ./ddpm train.")
    Path run;

    @Option(names = "--steps", required = true, description = "Network calls per image to tune for (2..1000).")
    int steps;

    @Option(names = "--sampler", description = "Sampler: ddpm, ddim, dpm++, dpm++3m, ipndm or consistency (for consistency-distilled runs) (default: the run's default).")
    String sampler;

    @Option(names = "--minutes", defaultValue = "10", description = "Time budget of the search. Default: ${DEFAULT-VALUE}.")
    double minutes;

    @Option(names = "--n", description = "Images per candidate (a conditional run: per class, every class). "
            + "Default: 200, or 20 per class.")
    Integer n;

    @Option(names = "--meter", defaultValue = "3", description = "Meter version. Default: ${DEFAULT-VALUE}.")
    int meterVersion;

    @Option(names = "--ema", negatable = true,
            description = "Tune for the EMA weights or, with --no-ema, the raw ones. Default: the weights sampling uses (the meter's choice, else the EMA).")
    Boolean ema;

    @Mixin
    GuidanceOptions guidance = new GuidanceOptions();

    @Override
    public Integer call() {
        if (steps < 2 || steps > 1000) {
            throw new DdpmException("--steps must be in 2..1000, got " + steps);
        }
        DiffusionModel.Weights weights = ema == null ? DiffusionModel.Weights.BEST : ema ? DiffusionModel.Weights.EMA : DiffusionModel.Weights.RAW;
        try (DiffusionModel model = DiffusionModel.open(run, weights)) {
            Conditioning.check(model.conditional(), model.conditional() ? "all" : null, guidance);
            int images = n != null ? n : model.conditional() ? 20 : 200;
            if (images < 10 || images > 100_000) {
                throw new DdpmException("--n must be in 10..100000, got " + images);
            }
            try (DiffusionModel weak = guidance.openGuide(model, weights)) {
                Generation.Builder b = Generation.builder().batch(250).guide(guidance.guide(weak));
                if (sampler != null) {
                    b.sampler(SamplerKind.of(sampler));
                }
                if (model.conditional()) {
                    b.everyClass();
                }
                Generation settings = b.build();
                StepTuning.Result r = StepTuning.tuneAndStore(model, settings, steps, images, minutes, meterVersion, main.err);
                TunedSchedules.Entry e = r.entry();
                String kind = model.samplerSettings(settings).kind().id();
                JsonObject j = new JsonObject();
                j.addProperty("run", run.toString());
                j.addProperty("sampler", kind);
                j.addProperty("steps", steps);
                JsonArray ts = new JsonArray();
                for (int t : e.timesteps()) {
                    ts.add(t);
                }
                j.add("timesteps", ts);
                j.addProperty("baseline", e.baseline());
                j.addProperty("fid_baseline_tuning_seed", Math.round(e.fidBaseline() * 1000) / 1000.0);
                j.addProperty("fid_tuned_tuning_seed", Math.round(e.fidTuned() * 1000) / 1000.0);
                j.addProperty("tuning_seed", e.tuningSeed());
                j.addProperty("images_per_candidate", e.tuningImages());
                j.addProperty("candidates", e.evaluations());
                j.addProperty("seconds", Math.round(r.seconds()));
                main.out.println(Json.GSON.toJson(j));
                main.out.printf(Locale.ROOT, "stored in %s; sample and eval with --sampler %s --steps %d now use them (--spacing %s for the old ones)%n",
                        run.resolve(TunedSchedules.FILE), kind, steps, e.baseline());
            }
        }
        return 0;
    }
}
