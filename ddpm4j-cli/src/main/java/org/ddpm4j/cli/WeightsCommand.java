package org.ddpm4j.cli;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.WeightChoice;
import org.ddpm4j.checkpoint.ChosenWeights;
import org.ddpm4j.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ./ddpm weights}: chooses the weights a run samples with, as training does at its end. */
@Command(name = "weights", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Score every set of weights a run keeps (the EMA, power-function EMAs, the raw weights) with the meter's "
                + "FID on --n images of a seed that eval does not use by default, and store the best in RUN/" + ChosenWeights.FILE
                + "; sample, eval, tune-steps and the studio then use it unless --weights says otherwise. Training does this "
                + "itself at its end when the meter's classifier is cached.")
final class WeightsCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--run", required = true, description = "Run directory written by ./ddpm train.")
    Path run;

    @Option(names = "--n", defaultValue = "" + WeightChoice.DEFAULT_IMAGES,
            description = "Images per candidate (a conditional run: split over its classes, at least 10 each). Default: ${DEFAULT-VALUE}.")
    int n;

    @Option(names = "--meter", defaultValue = "3", description = "Meter version. Default: ${DEFAULT-VALUE}.")
    int meterVersion;

    @Override
    public Integer call() {
        if (n < 10 || n > 100_000) {
            throw new DdpmException("--n must be in 10..100000, got " + n);
        }
        ChosenWeights c = WeightChoice.choose(run, n, meterVersion, main.err);
        JsonObject j = new JsonObject();
        j.addProperty("run", run.toString());
        j.addProperty("weights", c.weights());
        j.addProperty("step", c.step());
        JsonObject f = new JsonObject();
        c.fid().forEach((k, v) -> f.addProperty(k, Math.round(v * 1000) / 1000.0));
        j.add("fid_tuning_seed", f);
        j.addProperty("tuning_seed", c.seed());
        j.addProperty("images", c.images());
        j.addProperty("meter", c.meter());
        j.addProperty("sampler", c.sampler());
        j.addProperty("steps", c.steps());
        j.addProperty("seconds", Math.round(c.seconds()));
        main.out.println(Json.GSON.toJson(j));
        main.out.printf(Locale.ROOT, "stored in %s; sample, eval and the studio now use the %s weights (--weights ema|raw to override)%n",
                run.resolve(ChosenWeights.FILE), c.weights());
        return 0;
    }
}
