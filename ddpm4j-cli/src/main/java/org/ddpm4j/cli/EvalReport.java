package org.ddpm4j.cli;

import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Evaluation;
import org.ddpm4j.api.Generation;
import org.ddpm4j.pipeline.Guidance;
import org.ddpm4j.sampler.SamplerConfig;
import org.ddpm4j.util.Json;

/**
 * What {@code ./ddpm eval} prints: one JSON line (the record docs/results quote) and a table for people.
 *
 * @param run the run directory as given
 * @param real true if real images were scored instead of generated ones
 * @param seed the request's seed
 * @param guideRun the autoguidance run, or null
 */
record EvalReport(Path run, boolean real, long seed, Path guideRun) {

    /** Prints the JSON line and the table of evaluation {@code r} of {@code g} on {@code model}. */
    void print(PrintStream out, DiffusionModel model, Generation g, Evaluation.Result r, boolean autoguided) {
        print(out, model, g, r, autoguided, null);
    }

    /**
     * As {@link #print(PrintStream, DiffusionModel, Generation, Evaluation.Result, boolean)}, with {@code unguided}
     * (or null): the same seeds and classes drawn without guidance, whose FID gives the guidance's cost.
     */
    void print(PrintStream out, DiffusionModel model, Generation g, Evaluation.Result r, boolean autoguided, Evaluation.Result unguided) {
        SamplerConfig sc = model.samplerSettings(g);
        String origin = real ? "no" : model.timePoints(g).origin();
        int steps = model.steps(g);
        boolean conditional = model.conditional();
        JsonObject j = new JsonObject();
        j.addProperty("run", run.toString());
        j.addProperty("model", real ? "real images" : model.architecture());
        j.addProperty("sampler", real ? "none" : sc.kind().id());
        j.addProperty("steps", real ? 0 : steps);
        if (!real) {
            j.addProperty("schedule", origin);
        }
        if (!real && sc.kind() == SamplerConfig.Kind.DDIM) {
            j.addProperty("eta", sc.eta());
        }
        if (!real) {
            j.addProperty("weights", model.weights().toString());
        }
        j.addProperty("n", r.images());
        j.addProperty("fid", round(r.fid(), 3));
        j.addProperty("meter", r.meter());
        j.addProperty("meter_held_out_accuracy", round(r.meterHeldOutAccuracy(), 4));
        if (!real && (conditional || autoguided)) {
            addGuidance(j, model.guide(g).settings(), autoguided);
        }
        StringBuilder table = new StringBuilder();
        if (conditional) {
            com.google.gson.JsonArray per = new com.google.gson.JsonArray();
            for (int c = 0; c < r.classAccuracy().size(); c++) {
                double a = r.classAccuracy().get(c);
                if (!Double.isNaN(a)) {
                    per.add(round(a, 4));
                    table.append(String.format(Locale.ROOT, "  class %-3d accuracy %6.2f%%%n", c, 100 * a));
                }
            }
            j.addProperty("accuracy", round(r.accuracy(), 4));
            j.add("class_accuracy", per);
            int worst = r.worstClass();
            if (worst >= 0) {
                j.addProperty("worst_class", worst);
                j.addProperty("worst_class_accuracy", round(r.classAccuracy().get(worst), 4));
                table.append(String.format(Locale.ROOT, "  worst class     %d, %.2f%%%n", worst, 100 * r.classAccuracy().get(worst)));
            }
            if (unguided != null) {
                j.addProperty("fid_unguided", round(unguided.fid(), 3));
                j.addProperty("accuracy_unguided", round(unguided.accuracy(), 4));
                j.addProperty("guidance_fid_cost", round(r.fid() / unguided.fid(), 4));
                table.append(String.format(Locale.ROOT, "  unguided        FID %.3f, accuracy %.2f%%: the guidance costs %.2fx the unguided FID%n",
                        unguided.fid(), 100 * unguided.accuracy(), r.fid() / unguided.fid()));
            }
        } else if (!Double.isNaN(r.accuracy())) {
            j.addProperty("accuracy", round(r.accuracy(), 4));
        }
        j.addProperty("images_per_s", round(r.imagesPerSecond(), 2));
        j.addProperty("seed", seed);
        out.println(Json.GSON.toJson(j));
        String meterLine = String.format(Locale.ROOT, "  meter           %d (its classifier reads %.2f%% of held-out real images correctly)%n",
                r.meter(), 100 * r.meterHeldOutAccuracy());
        Guidance w = model.guide(g).settings();
        double a = w.weight(Guidance.Away.WEAK_NETWORK);
        double cf = w.weight(Guidance.Away.UNCONDITIONAL);
        if (!conditional) {
            out.printf(Locale.ROOT, "%n  run             %s%n  sampler         %s, %d network calls per image at " + origin + " time points%s%n"
                            + "  images          %d (seed %d)%n  domain FID      %.3f   (0 = the real %s; lower is better)%n"
                            + "  class accuracy  %s%n  sampling        %.2f images/s%n%s",
                    run, sc.kind().id(), steps, !autoguided ? "" : String.format(Locale.ROOT, ", autoguidance %.2f from %s", a, guideRun),
                    r.images(), seed, r.fid(), r.reference(),
                    Double.isNaN(r.accuracy()) ? "n/a (the run has no single class)"
                            : String.format(Locale.ROOT, "%.2f%% drawn as %d", 100 * r.accuracy(), r.targetClass()),
                    r.imagesPerSecond(), meterLine);
            return;
        }
        String how = real ? "none: real images of the run's data" : String.format(Locale.ROOT,
                "%s, %d network calls per image at " + origin + " time points, guidance %.2f, rescale %.2f, interval %s:%s, parallel %.2f%s", sc.kind().id(), steps,
                autoguided ? a : cf, w.rescale(), w.from(), w.to(), w.parallel(),
                !autoguided ? "" : ", guide run " + guideRun
                        + (cf > 0 ? String.format(Locale.ROOT, " plus classifier-free %.2f", cf) : ""));
        out.printf(Locale.ROOT, "%n  run             %s%n  sampler         %s%n"
                        + "  images          %d (seed %d)%n  domain FID      %.3f   (against %s)%n  mean accuracy   %.2f%%%n%s"
                        + "  sampling        %.2f images/s%n%s",
                run, how, r.images(), seed, r.fid(), r.reference(), 100 * r.accuracy(), table, r.imagesPerSecond(), meterLine);
    }

    /**
     * The guidance fields of an eval line: {@code guidance} is the flag's weight (autoguidance's with a guide run,
     * else classifier-free), {@code cfg} the classifier-free weight added to autoguidance, {@code guide_run} the
     * autoguidance network.
     */
    private void addGuidance(JsonObject j, Guidance g, boolean autoguided) {
        j.addProperty("guidance", g.weight(autoguided ? Guidance.Away.WEAK_NETWORK : Guidance.Away.UNCONDITIONAL));
        j.addProperty("guidance_rescale", g.rescale());
        com.google.gson.JsonArray interval = new com.google.gson.JsonArray();
        interval.add(g.from());
        interval.add(g.to());
        j.add("guidance_interval", interval);
        if (g.parallel() != Guidance.DEFAULT_PARALLEL) {
            j.addProperty("guidance_parallel", g.parallel());
        }
        if (autoguided && g.weight(Guidance.Away.UNCONDITIONAL) > 0) {
            j.addProperty("cfg", g.weight(Guidance.Away.UNCONDITIONAL));
        }
        if (autoguided) {
            j.addProperty("guide_run", guideRun.toString());
        }
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
