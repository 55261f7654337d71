package org.ddpm4j.checkpoint;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.ddpm4j.DdpmException;
import org.ddpm4j.util.AtomicFiles;
import org.ddpm4j.util.Json;

/**
 * The weights the quality meter chose for a run, {@code RUN/weights.json}: which of the kept weights (raw, the
 * EMA, the power-function EMAs) scored the lowest domain FID on images of a held-out seed, at which checkpoint
 * step, and every candidate's score. A file of its own, written atomically, so the choice never rewrites the
 * checkpoint; a choice made at another step than the checkpoint's (the run was trained on) no longer applies.
 *
 * @param weights the chosen weights as {@code DiffusionModel.Weights} names them ({@code raw}, {@code ema},
 *     {@code ema:0.100})
 * @param step the checkpoint step the candidates were scored at
 * @param fid every candidate's domain FID, in the order scored
 * @param seed the seed of the scored images
 * @param images images scored per candidate (of every class, for a class-conditional run)
 * @param meter the meter version
 * @param sampler the sampler the images were drawn with
 * @param steps its network calls per image
 * @param seconds the wall time the choice took
 */
public record ChosenWeights(String weights, long step, Map<String, Double> fid, long seed, int images, int meter, String sampler,
        int steps, double seconds) {

    /** The file in a run directory. */
    public static final String FILE = "weights.json";

    public ChosenWeights {
        fid = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fid));
    }

    /** The stored choice of the run in {@code dir}, if it has one; a damaged file is a one-line error naming it. */
    public static Optional<ChosenWeights> read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            JsonObject o = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
            Map<String, Double> fid = new LinkedHashMap<>();
            o.getAsJsonObject("fid").entrySet().forEach(kv -> fid.put(kv.getKey(), kv.getValue().getAsDouble()));
            return Optional.of(new ChosenWeights(o.get("weights").getAsString(), o.get("step").getAsLong(), fid, o.get("seed").getAsLong(),
                    o.get("images").getAsInt(), o.get("meter").getAsInt(), o.get("sampler").getAsString(), o.get("steps").getAsInt(),
                    o.get("seconds").getAsDouble()));
        } catch (IOException | RuntimeException ex) {
            throw new DdpmException(f + " is damaged (" + ex.getMessage() + "); delete it to sample with the EMA weights");
        }
    }

    /** Writes this choice to {@code dir}, atomically. */
    public void write(Path dir) {
        JsonObject o = new JsonObject();
        o.addProperty("weights", weights);
        o.addProperty("step", step);
        JsonObject f = new JsonObject();
        fid.forEach(f::addProperty);
        o.add("fid", f);
        o.addProperty("seed", seed);
        o.addProperty("images", images);
        o.addProperty("meter", meter);
        o.addProperty("sampler", sampler);
        o.addProperty("steps", steps);
        o.addProperty("seconds", seconds);
        AtomicFiles.writeString(dir.resolve(FILE), Json.PRETTY.toJson(o) + "\n");
    }

    /** Removes a stored choice (a training that continues makes it stale). */
    public static void delete(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(FILE));
        } catch (IOException e) {
            throw new DdpmException("cannot remove " + dir.resolve(FILE) + ": " + AtomicFiles.describe(e));
        }
    }
}
