package org.ddpm4j.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.TypeAdapter;
import com.google.gson.annotations.JsonAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.util.List;
import org.ddpm4j.SettingException;
import org.ddpm4j.util.Json;

/**
 * Immutable training settings, validated once and saved in every checkpoint: five parts that change one at a
 * time ({@link #withData}, {@link #withBudget}, ...) plus the seed of every random draw (init, shuffles, t, noise).
 * The checkpoint keeps them as one flat JSON object, the format every earlier run wrote.
 *
 * @param data what to train on
 * @param budget how long: epochs, optimizer steps or minutes
 * @param optimiser batch, AdamW, learning-rate schedule, clipping and the EMA of the weights
 * @param objective the loss weighting and what to do with a non-finite loss
 * @param conditioning class-conditional training and its label dropout
 * @param seed the seed of every random draw
 */
@JsonAdapter(TrainConfig.FlatJson.class)
public record TrainConfig(Data data, Budget budget, Optimiser optimiser, Objective objective, Conditioning conditioning, long seed) {

    public TrainConfig {
        if (data == null || budget == null || optimiser == null || objective == null || conditioning == null) {
            throw new IllegalArgumentException("every part of a training config is required");
        }
        if (conditioning.conditional() && data.digit() != null) {
            throw new SettingException("conditional", "{conditional} trains on all classes; drop {digit}");
        }
    }

    /**
     * The data.
     *
     * @param spec dataset spec ({@code mnist}, {@code idx:DIR}, {@code folder:DIR})
     * @param digit the class to keep, or null for all classes
     * @param size side of the images made from a folder (0: the data's own size, or 32 for folders)
     * @param channels 1 or 3 to force gray or RGB for folder data, 0 to infer
     * @param hflip random horizontal flips of training images
     */
    public record Data(String spec, Integer digit, int size, int channels, boolean hflip) {
        public Data {
            if (spec == null || spec.isBlank()) {
                throw new SettingException("data", "is required");
            }
            if (digit != null && (digit < 0 || digit > 255)) {
                throw new SettingException("digit", "must be a class label in 0..255, got " + digit);
            }
            if (size != 0 && (size < 4 || size > 1024)) {
                throw new SettingException("size", "must be in 4..1024, got " + size);
            }
            if (channels != 0 && channels != 1 && channels != 3) {
                throw new SettingException("channels", "must be 1 or 3, got " + channels);
            }
        }

        /** {@code spec} at its own size and channels, one class or all ({@code digit} null), no flips. */
        public static Data of(String spec, Integer digit) {
            return new Data(spec, digit, 0, 0, false);
        }
    }

    /**
     * The budget: exactly one of the three is positive.
     *
     * @param epochs passes over the data
     * @param steps optimizer steps
     * @param minutes wall-clock minutes of training, turned into a step count after the first steps, so the
     *     learning-rate schedule and a resumed run are deterministic
     */
    public record Budget(int epochs, long steps, double minutes) {
        public Budget {
            int budgets = (epochs > 0 ? 1 : 0) + (steps > 0 ? 1 : 0) + (minutes > 0 ? 1 : 0);
            if (budgets != 1) {
                throw new SettingException("epochs", "give exactly one budget: {epochs}, {steps} or {minutes}");
            }
            if (epochs < 0 || epochs > 1_000_000) {
                throw new SettingException("epochs", "must be in 1..1000000, got " + epochs);
            }
            if (steps < 0 || steps > 100_000_000L) {
                throw new SettingException("steps", "must be in 1..100000000, got " + steps);
            }
            if (minutes < 0 || minutes > 100_000 || Double.isNaN(minutes)) {
                throw new SettingException("minutes", "must be in (0, 100000], got " + minutes);
            }
        }

        public static Budget epochs(int n) {
            return new Budget(n, 0, 0);
        }

        public static Budget steps(long n) {
            return new Budget(0, n, 0);
        }

        public static Budget minutes(double m) {
            return new Budget(0, 0, m);
        }

        /** {@code 20 epochs}, {@code 500 steps} or {@code 30.0 minutes}. */
        @Override
        public String toString() {
            return epochs > 0 ? epochs + " epochs" : steps > 0 ? steps + " steps" : minutes + " minutes";
        }
    }

    /**
     * The optimiser.
     *
     * @param batchSize images per step
     * @param learningRate peak learning rate
     * @param warmupSteps linear learning-rate warm-up from 0 (0 = none)
     * @param cosineDecay decay the learning rate to 0 with a half cosine after warm-up
     * @param weightDecay decoupled weight decay (AdamW); 0 = plain Adam
     * @param gradClip maximum global L2 norm of the gradients (0 = no clipping)
     * @param emaDecay EMA decay of the weights, with warm-up min(decay, (1+n)/(10+n)) (0 = no EMA)
     * @param emaStds relative widths sigma_rel of EDM2's power-function EMAs kept beside it (none by default)
     */
    public record Optimiser(int batchSize, double learningRate, int warmupSteps, boolean cosineDecay, double weightDecay,
            double gradClip, double emaDecay, List<Double> emaStds) {
        /** Without power-function EMAs. */
        public Optimiser(int batchSize, double learningRate, int warmupSteps, boolean cosineDecay, double weightDecay,
                double gradClip, double emaDecay) {
            this(batchSize, learningRate, warmupSteps, cosineDecay, weightDecay, gradClip, emaDecay, List.of());
        }

        public Optimiser {
            emaStds = List.copyOf(emaStds);
            if (emaStds.size() > 8 || emaStds.stream().distinct().count() != emaStds.size()) {
                throw new SettingException("ema-std", "give at most 8 different widths, got " + emaStds);
            }
            for (double w : emaStds) {
                if (!(w > 0 && w < 0.2886)) {
                    throw new SettingException("ema-std", "each width must be in (0, 0.2886), got " + w);
                }
            }
            if (batchSize < 1 || batchSize > 4096) {
                throw new SettingException("batch", "must be in 1..4096, got " + batchSize);
            }
            if (!(learningRate > 0 && learningRate < 1)) {
                throw new SettingException("lr", "must be in (0, 1), got " + learningRate);
            }
            if (warmupSteps < 0) {
                throw new SettingException("warmup", "must be >= 0, got " + warmupSteps);
            }
            if (!(weightDecay >= 0 && weightDecay < 1)) {
                throw new SettingException("weight-decay", "must be in [0, 1), got " + weightDecay);
            }
            if (!(gradClip >= 0)) {
                throw new SettingException("clip", "must be >= 0, got " + gradClip);
            }
            if (!(emaDecay >= 0 && emaDecay < 1)) {
                throw new SettingException("ema", "must be in [0, 1), got " + emaDecay);
            }
        }

        /** Plain Adam at a constant rate: no warm-up, decay, weight decay, clipping or EMA. */
        public static Optimiser adam(int batchSize, double learningRate) {
            return new Optimiser(batchSize, learningRate, 0, false, 0, 0, 0);
        }

        public Optimiser withBatchSize(int b) {
            return new Optimiser(b, learningRate, warmupSteps, cosineDecay, weightDecay, gradClip, emaDecay, emaStds);
        }

        public Optimiser withEmaStds(List<Double> stds) {
            return new Optimiser(batchSize, learningRate, warmupSteps, cosineDecay, weightDecay, gradClip, emaDecay, stds);
        }

        /** The learning rate at optimizer step {@code step} (1-based) of {@code total}. */
        public double learningRateAt(long step, long total) {
            double lr = learningRate;
            if (warmupSteps > 0 && step <= warmupSteps) {
                return lr * step / warmupSteps;
            }
            if (cosineDecay && total > warmupSteps) {
                double p = Math.min(1.0, (double) (step - warmupSteps) / (total - warmupSteps));
                return lr * 0.5 * (1 + Math.cos(Math.PI * p));
            }
            return lr;
        }
    }

    /**
     * The objective beyond the prediction target (which the diffusion config holds).
     *
     * @param minSnrGamma min-SNR-gamma loss weighting (Hang et al., arXiv 2303.09556; 0 = plain MSE)
     * @param skipNonFinite skip a batch whose loss is NaN or infinite instead of stopping
     */
    public record Objective(double minSnrGamma, boolean skipNonFinite) {
        /** Plain MSE; a non-finite loss stops the run. */
        public static final Objective MSE = new Objective(0, false);

        public Objective {
            if (!(minSnrGamma >= 0)) {
                throw new SettingException("min-snr", "must be >= 0, got " + minSnrGamma);
            }
        }
    }

    /**
     * Class conditioning.
     *
     * @param conditional train a class-conditional network on the labels
     * @param pUncond probability of dropping a label (the unconditional branch of classifier-free guidance)
     */
    public record Conditioning(boolean conditional, double pUncond) {
        /** An unconditional network. */
        public static final Conditioning NONE = new Conditioning(false, 0);

        public Conditioning {
            if (!(pUncond >= 0 && pUncond < 1)) {
                throw new SettingException("p-uncond", "must be in [0, 1), got " + pUncond);
            }
        }
    }

    /** The seed's recipe: 20 epochs (or {@code epochs}), batch 64, Adam lr 1e-4, nothing else. */
    public static TrainConfig seed(String data, Integer digit, int epochs, long seed) {
        return new TrainConfig(Data.of(data, digit), Budget.epochs(epochs), Optimiser.adam(64, 1e-4), Objective.MSE,
                Conditioning.NONE, seed);
    }

    public TrainConfig withData(Data d) {
        return new TrainConfig(d, budget, optimiser, objective, conditioning, seed);
    }

    public TrainConfig withBudget(Budget b) {
        return new TrainConfig(data, b, optimiser, objective, conditioning, seed);
    }

    public TrainConfig withOptimiser(Optimiser o) {
        return new TrainConfig(data, budget, o, objective, conditioning, seed);
    }

    public TrainConfig withObjective(Objective o) {
        return new TrainConfig(data, budget, optimiser, o, conditioning, seed);
    }

    public TrainConfig withConditioning(Conditioning c) {
        return new TrainConfig(data, budget, optimiser, objective, c, seed);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(data, budget, optimiser, objective, conditioning, s);
    }

    /** The flat JSON object a checkpoint stores (the keys every run has written). */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("data", data.spec());
        if (data.digit() != null) {
            o.addProperty("digit", data.digit());
        }
        o.addProperty("epochs", budget.epochs());
        o.addProperty("steps", budget.steps());
        o.addProperty("minutes", budget.minutes());
        o.addProperty("batchSize", optimiser.batchSize());
        o.addProperty("learningRate", optimiser.learningRate());
        o.addProperty("warmupSteps", optimiser.warmupSteps());
        o.addProperty("cosineDecay", optimiser.cosineDecay());
        o.addProperty("weightDecay", optimiser.weightDecay());
        o.addProperty("gradClip", optimiser.gradClip());
        o.addProperty("emaDecay", optimiser.emaDecay());
        if (!optimiser.emaStds().isEmpty()) {
            com.google.gson.JsonArray a = new com.google.gson.JsonArray();
            optimiser.emaStds().forEach(a::add);
            o.add("emaStds", a);
        }
        o.addProperty("minSnrGamma", objective.minSnrGamma());
        o.addProperty("skipNonFinite", objective.skipNonFinite());
        o.addProperty("seed", seed);
        o.addProperty("conditional", conditioning.conditional());
        o.addProperty("pUncond", conditioning.pUncond());
        o.addProperty("size", data.size());
        o.addProperty("channels", data.channels());
        o.addProperty("hflip", data.hflip());
        return o;
    }

    /** Reads {@link #toJson}'s object; keys a run of an older version did not write take their off values. */
    public static TrainConfig fromJson(JsonObject o) {
        return new TrainConfig(
                new Data(str(o, "data"), o.has("digit") && !o.get("digit").isJsonNull() ? o.get("digit").getAsInt() : null,
                        num(o, "size").intValue(), num(o, "channels").intValue(), bool(o, "hflip")),
                new Budget(num(o, "epochs").intValue(), num(o, "steps").longValue(), num(o, "minutes").doubleValue()),
                new Optimiser(num(o, "batchSize").intValue(), num(o, "learningRate").doubleValue(), num(o, "warmupSteps").intValue(),
                        bool(o, "cosineDecay"), num(o, "weightDecay").doubleValue(), num(o, "gradClip").doubleValue(),
                        num(o, "emaDecay").doubleValue(), doubles(o, "emaStds")),
                new Objective(num(o, "minSnrGamma").doubleValue(), bool(o, "skipNonFinite")),
                new Conditioning(bool(o, "conditional"), num(o, "pUncond").doubleValue()),
                num(o, "seed").longValue());
    }

    private static List<Double> doubles(JsonObject o, String k) {
        List<Double> out = new java.util.ArrayList<>();
        if (o.has(k) && o.get(k).isJsonArray()) {
            o.getAsJsonArray(k).forEach(e -> out.add(e.getAsDouble()));
        }
        return out;
    }

    private static String str(JsonObject o, String k) {
        return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsString() : null;
    }

    private static Number num(JsonObject o, String k) {
        return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsNumber() : 0;
    }

    private static boolean bool(JsonObject o, String k) {
        return o.has(k) && !o.get(k).isJsonNull() && o.get(k).getAsBoolean();
    }

    /** Gson reads and writes a TrainConfig as its flat checkpoint object. */
    static final class FlatJson extends TypeAdapter<TrainConfig> {
        @Override
        public void write(JsonWriter out, TrainConfig value) throws IOException {
            Json.GSON.toJson(value.toJson(), out);
        }

        @Override
        public TrainConfig read(JsonReader in) throws IOException {
            JsonElement e = com.google.gson.JsonParser.parseReader(in);
            if (!e.isJsonObject()) {
                throw new com.google.gson.JsonParseException("a training config is a JSON object");
            }
            return TrainConfig.fromJson(e.getAsJsonObject());
        }
    }
}
