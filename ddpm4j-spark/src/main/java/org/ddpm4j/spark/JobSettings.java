package org.ddpm4j.spark;

import java.io.Serializable;
import java.util.Locale;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Evaluation;
import org.ddpm4j.api.Generation;
import org.ddpm4j.api.Guide;
import org.ddpm4j.api.InvalidRequestException;
import org.ddpm4j.api.SamplerKind;
import org.ddpm4j.sampler.TimestepSpacing;

/**
 * What every task of a distributed job draws, as a value Spark can ship to executors: the settings of
 * {@code ./ddpm sample} and {@code ./ddpm eval} that a task needs to rebuild the same {@link Generation}.
 * A field left at its default takes the model's default, as on the command line.
 *
 * @param count images per request (of every class with {@code classChoice = "all"})
 * @param classChoice "" (none), "all" (every class, in class order) or one class (an index, {@code name:FOLDER} or a folder name)
 * @param sampler a sampler name ({@link SamplerKind#of}), or null for the model's default
 * @param steps network calls per image, or 0 for the model's default
 * @param eta DDIM's eta
 * @param spacing a spacing name, or null for the model's default (or the run's tuned time points)
 * @param guidance the classifier-free guidance scale, or NaN for the model's default
 * @param batch images per network call
 * @param weights which weights ({@link DiffusionModel.Weights#parse})
 * @param meter the meter's version, for scoring
 */
public record JobSettings(int count, String classChoice, String sampler, int steps, double eta, String spacing, double guidance,
        int batch, String weights, int meter) implements Serializable {

    public JobSettings {
        classChoice = classChoice == null ? "" : classChoice.trim();
        weights = weights == null ? "best" : weights;
    }

    /** Checks every setting that needs no model (a bad one throws {@link InvalidRequestException} naming it). */
    public JobSettings check() {
        DiffusionModel.Weights.parse(weights);
        Evaluation.builder().meter(meter).build();
        generation(0).build();
        return this;
    }

    /** Defaults: {@code count} images of no class with the model's sampler, batch 64, the best weights, meter 3. */
    public static JobSettings of(int count) {
        return new JobSettings(count, "", null, 0, 0, null, Double.NaN, 64, "best", 3);
    }

    public JobSettings withClass(String c) {
        return new JobSettings(count, c, sampler, steps, eta, spacing, guidance, batch, weights, meter);
    }

    public JobSettings withSampler(String s, int k) {
        return new JobSettings(count, classChoice, s, k, eta, spacing, guidance, batch, weights, meter);
    }

    public JobSettings withSpacing(String s) {
        return new JobSettings(count, classChoice, sampler, steps, eta, s, guidance, batch, weights, meter);
    }

    public JobSettings withEta(double e) {
        return new JobSettings(count, classChoice, sampler, steps, e, spacing, guidance, batch, weights, meter);
    }

    public JobSettings withGuidance(double w) {
        return new JobSettings(count, classChoice, sampler, steps, eta, spacing, w, batch, weights, meter);
    }

    public JobSettings withBatch(int b) {
        return new JobSettings(count, classChoice, sampler, steps, eta, spacing, guidance, b, weights, meter);
    }

    public JobSettings withWeights(String w) {
        return new JobSettings(count, classChoice, sampler, steps, eta, spacing, guidance, batch, w, meter);
    }

    public JobSettings withMeter(int m) {
        return new JobSettings(count, classChoice, sampler, steps, eta, spacing, guidance, batch, weights, m);
    }

    /** True for every class of a class-conditional run. */
    public boolean everyClass() {
        return classChoice.toLowerCase(Locale.ROOT).equals("all");
    }

    /** The weights to open runs with. */
    public DiffusionModel.Weights weightChoice() {
        return DiffusionModel.Weights.parse(weights);
    }

    /** The request of seed {@code seed} (its class, if any, still to be resolved against the model). */
    Generation.Builder generation(long seed) {
        Generation.Builder b = Generation.builder().count(count).seed(seed).batch(batch).eta(eta);
        if (sampler != null) {
            b.sampler(SamplerKind.of(sampler));
        }
        if (steps != 0) {
            b.steps(steps);
        }
        if (spacing != null) {
            b.spacing(TimestepSpacing.parse(spacing));
        }
        if (!Double.isNaN(guidance)) {
            b.guide(guidance == 0 ? Guide.none() : Guide.classifierFree(guidance));
        }
        if (everyClass()) {
            b.everyClass();
        } // one class is resolved against the model: an index, name:FOLDER or a folder name
        return b;
    }

    /** The request of seed {@code seed} for {@code model}: its class resolved as {@code --class} resolves it. */
    Generation generation(DiffusionModel model, long seed) {
        Generation.Builder b = generation(seed);
        if (!classChoice.isEmpty() && !everyClass()) {
            if (!model.conditional()) {
                throw new InvalidRequestException("class", "this model is not class-conditional: it cannot draw a chosen class");
            }
            try {
                b.classIndex(org.ddpm4j.data.ClassChoice.index(classChoice, model.classes(), model.classNames()));
            } catch (org.ddpm4j.DdpmException e) {
                throw new InvalidRequestException("class", e.getMessage());
            }
        }
        return b.build();
    }

    /** The evaluation of seed {@code seed} for {@code model}, as {@code ./ddpm eval --n count} makes it. */
    Evaluation evaluation(DiffusionModel model, long seed) {
        // with no class named, eval scores every class of a conditional run
        return Evaluation.builder().count(count).meter(meter).settings(generation(model, seed)).build();
    }
}
